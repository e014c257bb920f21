import { rateAt } from '../bench/load-shape.js';
import type { PacingOptions } from './pacing.js';
import type { PacingSpec } from './thread-protocol.js';

/** The pacing a spec describes, with its load shape as a rate function again. */
export function pacingFromSpec(spec: PacingSpec): PacingOptions {
  const { shape, ...rest } = spec;
  return shape ? { ...rest, rateAt: (ms) => rateAt(shape.shape, ms, shape.totalMs) } : rest;
}

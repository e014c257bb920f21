import { UsageError } from '../errors.js';
import { rate as parseRate } from '../config/values.js';

/** Load shapes for `--profile`: constant, a linear ramp, or equal-length steps. Rates in events/s. */
export type LoadShape =
  | { kind: 'constant'; ratePerSec: number }
  | { kind: 'ramp'; ratePerSec: number; from: number; to: number }
  | { kind: 'steps'; ratePerSec: number; steps: number[] };

/**
 * `constant` (uses --rate), `ramp:100/s..2k/s`, `steps:100/s,500/s,1k/s`. `ratePerSec` is the peak, used
 * for sizing.
 */
export function parseLoadShape(spec: string, baseRate: number, where = '--profile'): LoadShape {
  const s = spec.trim();
  if (s === 'constant') return { kind: 'constant', ratePerSec: baseRate };
  const expected =
    'constant, ramp:FROM..TO (e.g. ramp:100/s..2k/s) or steps:R1,R2,... (e.g. steps:100/s,500/s,1k/s)';
  const m = /^(ramp|steps):(.+)$/.exec(s);
  if (!m) throw new UsageError(`invalid ${where} '${spec}': expected ${expected}`);
  if (m[1] === 'ramp') {
    const parts = m[2].split('..');
    if (parts.length !== 2) throw new UsageError(`invalid ${where} '${spec}': expected ${expected}`);
    const from = parseRate(parts[0], `${where} ramp start`);
    const to = parseRate(parts[1], `${where} ramp end`);
    return { kind: 'ramp', ratePerSec: Math.max(from, to), from, to };
  }
  const steps = m[2].split(',').map((r, i) => parseRate(r, `${where} step ${i + 1}`));
  return { kind: 'steps', ratePerSec: Math.max(...steps), steps };
}

/** The rate the shape asks for `ms` into a run of `totalMs`. */
export function rateAt(shape: LoadShape, ms: number, totalMs: number): number {
  const f = Math.min(1, Math.max(0, ms / totalMs));
  switch (shape.kind) {
    case 'constant':
      return shape.ratePerSec;
    case 'ramp':
      return shape.from + (shape.to - shape.from) * f;
    case 'steps':
      return shape.steps[Math.min(shape.steps.length - 1, Math.floor(f * shape.steps.length))];
  }
}

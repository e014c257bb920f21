import { UsageError } from '../errors.js';
import { duration as parseDuration, share as parseShare } from '../config/values.js';
import type { Episode } from './config.js';
import type { LoadProfile } from './schedule.js';

/** `LENGTH/EVERY` of an episode flag, e.g. `30s/5m`. */
function episode(spec: string, where: string): Episode {
  const m = /^([^/]+)\/([^/]+)$/.exec(spec.trim());
  if (!m) throw new UsageError(`invalid ${where} '${spec}': expected LENGTH/EVERY like 30s/5m`);
  const durationMs = parseDuration(m[1], `${where} length`);
  const everyMs = parseDuration(m[2], `${where} period`);
  if (durationMs > everyMs)
    throw new UsageError(`invalid ${where} '${spec}': the length ${m[1]} is longer than the period ${m[2]}`);
  return { durationMs, everyMs };
}

export function parseBursts(spec: string, where = '--bursts'): LoadProfile {
  const m = /^\s*(\d+(?:\.\d+)?)x\s*,\s*(.+)$/.exec(spec);
  if (!m || !(Number(m[1]) > 0))
    throw new UsageError(`invalid ${where} '${spec}': expected FACTORx,LENGTH/EVERY like 5x,30s/5m`);
  return { kind: 'bursts', factor: Number(m[1]), ...episode(m[2], where) };
}

export function parseBounceSpike(spec: string, where = '--bounce-spike'): Episode & { share: number } {
  const i = spec.indexOf(',');
  if (i < 0) throw new UsageError(`invalid ${where} '${spec}': expected SHARE,LENGTH/EVERY like 0.95,1m/10m`);
  return { share: parseShare(spec.slice(0, i), `${where} share`), ...episode(spec.slice(i + 1), where) };
}

/** The traffic-model part of a simulator configuration, from the shared traffic flags. */

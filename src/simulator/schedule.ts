import { UsageError } from '../errors.js';

/**
 * The open-loop schedule: the intended send offset (ms since the run's start) of every event. The schedule,
 * never the transport, decides when an event is due, so a slow broker shows up as publish delay instead of
 * a lower rate (coordinated omission).
 */

/** The shape of the load over time, on top of the base `ratePerSec`. */
export type LoadProfile =
  | { kind: 'constant' }
  /** Linear from `fromPerSec` to `toPerSec` over `overMs`, then holds `toPerSec`. */
  | { kind: 'ramp'; fromPerSec: number; toPerSec: number; overMs: number }
  /** Each step holds its rate for its duration; the last step holds for ever. */
  | { kind: 'steps'; steps: { ratePerSec: number; durationMs: number }[] }
  /** Traffic bursts: the base rate × `factor` for `durationMs` at the end of every `everyMs`. */
  | { kind: 'bursts'; everyMs: number; durationMs: number; factor: number };

export interface ScheduleOptions {
  /** Base rate, events per second. */
  ratePerSec: number;
  durationMs?: number;
  events?: number;
  profile?: LoadProfile;
  /** A rate function of the offset (ms), events/s; overrides `profile`. */
  rateAt?: (offsetMs: number) => number;
}

export interface Schedule {
  /** The next event's intended offset in ms (non-decreasing), or null when the run is over. */
  next(): number | null;
}

function fail(message: string): never {
  throw new UsageError(`invalid pacing: ${message}`);
}

export function validateSchedule(o: ScheduleOptions): void {
  const pos = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;
  if (!pos(o.ratePerSec)) fail(`ratePerSec must be a positive number, got ${o.ratePerSec}`);
  if (o.durationMs !== undefined && !pos(o.durationMs))
    fail(`durationMs must be positive, got ${o.durationMs}`);
  if (o.events !== undefined && !(Number.isSafeInteger(o.events) && o.events >= 1))
    fail(`events must be an integer >= 1, got ${o.events}`);
  const p = o.profile;
  if (!p || p.kind === 'constant') return;
  if (p.kind === 'ramp') {
    if (!(p.fromPerSec >= 0) || !(p.toPerSec >= 0) || p.fromPerSec + p.toPerSec <= 0)
      fail('ramp rates must be >= 0 and not both 0');
    if (!pos(p.overMs)) fail(`ramp overMs must be positive, got ${p.overMs}`);
  } else if (p.kind === 'steps') {
    if (!Array.isArray(p.steps) || p.steps.length === 0) fail('steps needs at least one step');
    p.steps.forEach((s, i) => {
      if (!pos(s.ratePerSec)) fail(`step ${i + 1} rate must be positive, got ${s.ratePerSec}`);
      if (!pos(s.durationMs)) fail(`step ${i + 1} duration must be positive, got ${s.durationMs}`);
    });
  } else if (p.kind === 'bursts') {
    if (!pos(p.everyMs) || !pos(p.durationMs) || p.durationMs > p.everyMs)
      fail('bursts need 0 < durationMs <= everyMs');
    if (!pos(p.factor)) fail(`burst factor must be positive, got ${p.factor}`);
  } else {
    fail(`unknown load profile ${JSON.stringify((p as { kind: unknown }).kind)}`);
  }
}

/** The rate (events/s) the profile asks for at `offsetMs`. */
export function profileRate(base: number, p: LoadProfile | undefined, offsetMs: number): number {
  if (!p || p.kind === 'constant') return base;
  switch (p.kind) {
    case 'ramp':
      return offsetMs >= p.overMs
        ? p.toPerSec
        : p.fromPerSec + ((p.toPerSec - p.fromPerSec) * offsetMs) / p.overMs;
    case 'steps': {
      let end = 0;
      for (const s of p.steps) {
        end += s.durationMs;
        if (offsetMs < end) return s.ratePerSec;
      }
      return p.steps[p.steps.length - 1].ratePerSec;
    }
    case 'bursts': {
      const phase = offsetMs % p.everyMs;
      return phase >= p.everyMs - p.durationMs ? base * p.factor : base;
    }
  }
}

/**
 * Offsets for the options. A constant rate gives exactly i × 1000 / rate (no accumulated drift); other
 * shapes step by the reciprocal of the current rate, t += 1000 / rate(t).
 */
export function createSchedule(o: ScheduleOptions): Schedule {
  validateSchedule(o);
  const constant = !o.rateAt && (!o.profile || o.profile.kind === 'constant');
  const rate = o.rateAt ?? ((t: number) => profileRate(o.ratePerSec, o.profile, t));
  const limitEvents = o.events ?? Infinity;
  const limitMs = o.durationMs ?? Infinity;
  let i = 0;
  let t = 0;
  return {
    next() {
      if (i >= limitEvents) return null;
      let offset: number;
      if (constant) {
        offset = (i * 1000) / o.ratePerSec;
      } else {
        // A rate of 0 (a ramp from zero) schedules nothing: move on a millisecond at a time.
        while (t < limitMs && !(rate(t) > 0)) t += 1;
        offset = t;
        if (offset < limitMs) t += 1000 / rate(t);
      }
      if (offset >= limitMs) return null;
      i++;
      return offset;
    },
  };
}

import { UsageError } from '../errors.js';

/**
 * Window definitions. Windows are aligned to the epoch: a tumbling window of size S covers
 * [k*S, (k+1)*S); a hopping window of size S and step T covers [k*T, k*T + S). A hopping window is cut
 * into panes of gcd(S, T) so each event is aggregated once, into its pane, and a window's result merges
 * the panes it covers. A session window per key spans from its first event to its last event + gap.
 */
export type WindowDef =
  | { kind: 'tumbling'; sizeMs: number }
  | { kind: 'hopping'; sizeMs: number; stepMs: number }
  | { kind: 'session'; gapMs: number };

function wholeMs(what: string, v: number, minimum: number) {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < minimum) {
    throw new UsageError(
      `${what} must be a whole number of milliseconds >= ${minimum}, got ${JSON.stringify(v)}`,
    );
  }
}

export function tumbling(sizeMs: number, name = 'tumbling window'): WindowDef {
  wholeMs(`${name}: size`, sizeMs, 1);
  return { kind: 'tumbling', sizeMs };
}

export function hopping(sizeMs: number, stepMs: number, name = 'hopping window'): WindowDef {
  wholeMs(`${name}: size`, sizeMs, 1);
  wholeMs(`${name}: step`, stepMs, 1);
  if (stepMs > sizeMs) {
    throw new UsageError(
      `${name}: step ${stepMs} ms must be within the window size ${sizeMs} ms (a larger step leaves gaps)`,
    );
  }
  return stepMs === sizeMs ? { kind: 'tumbling', sizeMs } : { kind: 'hopping', sizeMs, stepMs };
}

export function session(gapMs: number, name = 'session window'): WindowDef {
  wholeMs(`${name}: inactivity gap`, gapMs, 1);
  return { kind: 'session', gapMs };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Size and step of a fixed (non-session) window, and the pane every event is aggregated into. */
export function fixedGeometry(def: WindowDef): { sizeMs: number; stepMs: number; paneMs: number } {
  if (def.kind === 'session') throw new Error('session windows have no fixed geometry');
  const stepMs = def.kind === 'hopping' ? def.stepMs : def.sizeMs;
  return { sizeMs: def.sizeMs, stepMs, paneMs: gcd(def.sizeMs, stepMs) };
}

/** The windows [start, end) of a fixed window definition that contain `t` (reference and docs helper). */
export function windowsOf(def: WindowDef, t: number): [number, number][] {
  const { sizeMs, stepMs } = fixedGeometry(def);
  const out: [number, number][] = [];
  for (let s = Math.floor(t / stepMs) * stepMs; s > t - sizeMs; s -= stepMs) out.unshift([s, s + sizeMs]);
  return out;
}

export function describeWindow(def: WindowDef): string {
  if (def.kind === 'tumbling') return `${def.sizeMs} ms tumbling`;
  if (def.kind === 'hopping') return `${def.sizeMs} ms hopping every ${def.stepMs} ms`;
  return `session, ${def.gapMs} ms gap`;
}

import { UsageError } from '../errors.js';

/**
 * Parsers for the value forms users type. Each throws a UsageError that says what was wrong and the
 * expected form; `where` names the flag, env variable or config key the value came from.
 */
export type Parser<T> = (raw: string, where: string) => T;

const UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const SUFFIX: Record<string, number> = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 };

function bad(where: string, raw: string, expected: string): never {
  throw new UsageError(`invalid ${where} '${raw}': expected ${expected}`);
}

/** `30s`, `10m`, `1h30m`, `500ms`, `2d`; a bare number means seconds. */
export const duration: Parser<number> = (raw, where) => {
  const s = raw.trim();
  const expected = 'a positive duration like 500ms, 30s, 10m, 1h or 1h30m';
  if (/^\d+(\.\d+)?$/.test(s)) {
    const v = Number(s) * 1000;
    if (v <= 0) bad(where, raw, expected);
    return v;
  }
  const re = /(\d+(?:\.\d+)?)(ms|sec|s|min|m|h|d)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * UNITS_MS[m[2]];
    consumed = re.lastIndex;
  }
  if (consumed !== s.length || s.length === 0 || total <= 0) bad(where, raw, expected);
  return total;
};

/** Like duration but 0 is allowed (e.g. lateness, warm-up). */
export const durationOrZero: Parser<number> = (raw, where) =>
  /^0+(ms|s|m|h)?$/.test(raw.trim()) ? 0 : duration(raw, where);

/** `200/s`, `12k/min`, `10000/min`, `1.5k/s`, `5/ms`; a bare number means per second. Returns events/s. */
export const rate: Parser<number> = (raw, where) => {
  const m = /^\s*(\d+(?:\.\d+)?)([kKmM]?)\s*(?:\/\s*(ms|s|sec|m|min|h))?\s*$/.exec(raw);
  const expected = 'a positive rate like 200/s, 12k/min or 10000/min';
  if (!m) bad(where, raw, expected);
  const per = m[3] ?? 's';
  const v = (Number(m[1]) * SUFFIX[m[2]] * 1000) / UNITS_MS[per];
  if (!(v > 0)) bad(where, raw, expected);
  return v;
};

/** `100000`, `100k`, `1M`: a whole count ≥ 1. */
export const count: Parser<number> = (raw, where) => {
  const m = /^\s*(\d+(?:\.\d+)?)([kKmM]?)\s*$/.exec(raw);
  const v = m ? Number(m[1]) * SUFFIX[m[2]] : NaN;
  if (!Number.isSafeInteger(v) || v < 1) bad(where, raw, 'a whole number ≥ 1 like 5000, 100k or 1M');
  return v;
};

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
};

/** `1048576`, `64KiB`, `1MiB`, `500kB`: a whole number of bytes ≥ 1. */
export const bytes: Parser<number> = (raw, where) => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(raw);
  const unit = m ? BYTE_UNITS[m[2].toLowerCase()] : undefined;
  const v = m && unit ? Math.round(Number(m[1]) * unit) : NaN;
  if (!Number.isSafeInteger(v) || v < 1) bad(where, raw, 'a size in bytes ≥ 1 like 65536, 64KiB or 1MiB');
  return v;
};

export const nonNegativeInt: Parser<number> = (raw, where) => {
  const v = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(v)) bad(where, raw, 'a whole number ≥ 0');
  return v;
};

/** `0.01`, `1%`: a share in [0, 1]. */
export const share: Parser<number> = (raw, where) => {
  const s = raw.trim();
  const pct = s.endsWith('%');
  const v = Number(pct ? s.slice(0, -1) : s) / (pct ? 100 : 1);
  if (s === '' || !Number.isFinite(v) || v < 0 || v > 1)
    bad(where, raw, 'a share between 0 and 1, like 0.02 or 2%');
  return v;
};

export const port: Parser<number> = (raw, where) => {
  const v = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || v < 0 || v > 65535) bad(where, raw, 'a TCP port from 0 to 65535');
  return v;
};

export const seed: Parser<number> = (raw, where) => {
  const v = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(v)) bad(where, raw, 'a whole number ≥ 0, like 42');
  return v;
};

export const string: Parser<string> = (raw, where) => {
  if (raw.length === 0) bad(where, raw, 'a non-empty value');
  return raw;
};

export const list: Parser<string[]> = (raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export const bool: Parser<boolean> = (raw, where) => {
  const s = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off'].includes(s)) return false;
  bad(where, raw, 'true or false');
};

export function oneOf<T extends string>(...allowed: T[]): Parser<T> {
  return (raw, where) => {
    if (!(allowed as string[]).includes(raw)) bad(where, raw, `one of ${allowed.join(', ')}`);
    return raw as T;
  };
}

/** `127.0.0.1:9092,host2:9092` → a list of host:port, each validated. */
export const brokers: Parser<string[]> = (raw, where) => {
  const xs = list(raw, where);
  if (xs.length === 0) bad(where, raw, 'host:port[,host:port...]');
  for (const b of xs) if (!/^[^\s:,]+:\d{1,5}$/.test(b)) bad(where, b, 'host:port, like 127.0.0.1:9092');
  return xs;
};

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(3)}s`;
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(3)}m`;
  return `${+(ms / 3_600_000).toFixed(3)}h`;
}

/** A rate as users write it: 200 → 200/s, 200000 → 200k/s, 0.5 → 30/min. */
export function formatRate(perSec: number): string {
  if (perSec >= 1000 && perSec % 1000 === 0) return `${perSec / 1000}k/s`;
  if (Number.isInteger(perSec)) return `${perSec}/s`;
  return `${+(perSec * 60).toFixed(3)}/min`;
}

/**
 * A default value for --help, written the way a user would type it (30s, 30m, 200/s, an ISO time)
 * rather than the number the parser produced.
 */
export function formatValue(value: unknown, parse: Parser<unknown>): string {
  if (Array.isArray(value)) return value.join(',');
  if (typeof value !== 'number') return String(value);
  if (parse === duration || parse === durationOrZero) return value === 0 ? '0' : formatDuration(value);
  if (parse === rate) return formatRate(value);
  return String(value);
}

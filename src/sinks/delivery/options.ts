import { UsageError } from '../../errors.js';

/** The delivery knobs every store sink has (docs/stores.md): batching, buffer, retries, breaker, close. */
export interface DeliveryKnobs {
  /** Items per request (one transaction / bulk write). */
  batchSize?: number;
  /** A partial batch is sent once its oldest item has waited this long, ms. */
  flushIntervalMs?: number;
  /** High-water mark of the buffer: above it, write() returns a promise that resolves when there is room. */
  maxBuffered?: number;
  /** Per-request timeout, ms (also the connection timeout). */
  timeoutMs?: number;
  /** Delay before the first retry, ms; doubles per consecutive failure up to maxRetryDelayMs. */
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Random extra delay, as a fraction of the backoff delay (0.2 = up to +20 %). */
  retryJitter?: number;
  /** Consecutive failed requests that open the circuit breaker. */
  breakerThreshold?: number;
  /** How long an open breaker waits before one probe request (half-open), ms. */
  breakerOpenMs?: number;
  /** How long close() keeps trying to deliver what is buffered before it gives up loudly, ms. */
  closeTimeoutMs?: number;
  /** Warnings and state changes (outage began, breaker opened, recovered). Defaults to stderr. */
  log?: (message: string) => void;
  /** Called once per acknowledged request: its duration and the number of items it carried. */
  onWriteLatency?: (ms: number, items: number) => void;
  /** Randomness for jitter (tests pass a seeded one). */
  random?: () => number;
}

export type ResolvedKnobs = Required<Omit<DeliveryKnobs, 'onWriteLatency'>> &
  Pick<DeliveryKnobs, 'onWriteLatency'>;

export const DELIVERY_DEFAULTS = {
  batchSize: 500,
  flushIntervalMs: 1000,
  maxBuffered: 100_000,
  timeoutMs: 10_000,
  minRetryDelayMs: 200,
  maxRetryDelayMs: 10_000,
  retryJitter: 0.2,
  breakerThreshold: 5,
  breakerOpenMs: 5_000,
  closeTimeoutMs: 60_000,
} as const;

/** Defaults applied, then every knob checked; a bad value throws a UsageError naming the sink and option. */
export function resolveKnobs(sink: string, o: DeliveryKnobs): ResolvedKnobs {
  const r = {
    ...DELIVERY_DEFAULTS,
    log: (m: string) => process.stderr.write(`rtap: ${sink}: ${m}\n`),
    random: Math.random,
    ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
  } as ResolvedKnobs;
  const check = (ok: boolean, name: string, what: string) => {
    if (!ok)
      throw new UsageError(
        `${sink}: option ${name} must be ${what}, got ${JSON.stringify(r[name as keyof ResolvedKnobs])}`,
      );
  };
  for (const k of ['batchSize', 'maxBuffered', 'timeoutMs', 'breakerThreshold', 'closeTimeoutMs'] as const)
    check(Number.isInteger(r[k]) && r[k] > 0, k, 'a positive integer');
  for (const k of ['flushIntervalMs', 'minRetryDelayMs', 'maxRetryDelayMs', 'breakerOpenMs'] as const)
    check(Number.isFinite(r[k]) && r[k] >= 0, k, 'a number ≥ 0');
  check(r.retryJitter >= 0 && r.retryJitter <= 1, 'retryJitter', 'between 0 and 1');
  check(r.maxBuffered >= r.batchSize, 'maxBuffered', `≥ batchSize (${r.batchSize})`);
  check(r.maxRetryDelayMs >= r.minRetryDelayMs, 'maxRetryDelayMs', '≥ minRetryDelayMs');
  return r;
}

/** A connection string with its password replaced, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

import { UsageError } from '../../errors.js';

/**
 * Options of the InfluxDB sink; every one has a default (INFLUX_DEFAULTS). Field names are what the CLI
 * maps its `--influx-*` flags onto (docs/influx.md).
 */
export interface InfluxSinkOptions {
  /** Server base URL (InfluxDB 2.x/3.x, 1.8+, or VictoriaMetrics); default http://localhost:8086. */
  url?: string;
  /** API token (InfluxDB 2.x); empty for servers without authentication. */
  token?: string;
  org?: string;
  bucket?: string;
  /** Points per write request (the reference documents use 1000). */
  batchSize?: number;
  /** A partial batch is sent once its oldest point has waited this long, ms. */
  flushIntervalMs?: number;
  /** Gzip request bodies larger than 1000 bytes. */
  gzip?: boolean;
  /** High-water mark of the buffer: above it, write() returns a promise that resolves when there is room. */
  maxBufferedPoints?: number;
  /** Per-request timeout, ms. */
  timeoutMs?: number;
  /** Delay before the first retry, ms; doubles per consecutive failure up to maxRetryDelayMs. */
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Random extra delay, as a fraction of the backoff delay (0.2 = up to +20 %), so writers do not retry in step. */
  retryJitter?: number;
  /** Consecutive failed requests that open the circuit breaker. */
  breakerThreshold?: number;
  /** How long an open breaker waits before one probe request (half-open), ms. */
  breakerOpenMs?: number;
  /** How long close() keeps trying to deliver what is buffered before it gives up loudly, ms. */
  closeTimeoutMs?: number;
  /** Also write early (non-final) window results; they land on the same point the final result overwrites. */
  includeEarly?: boolean;
  /** Measurement name prefix: view `kpis` → measurement `rtap_kpis`. */
  measurementPrefix?: string;
  /** Measurement of alerts. */
  alertMeasurement?: string;
  /** Tags added to every point (e.g. a run id). */
  tags?: Record<string, string>;
  /** Warnings and state changes (outage began, breaker opened, recovered). Defaults to stderr. */
  log?: (message: string) => void;
  /** Called once per acknowledged write request: its duration and the number of points it carried. */
  onWriteLatency?: (ms: number, points: number) => void;
  /** Called with points the server rejected for good (bad data); they are also counted as `failed`. */
  onRejected?: (lines: string[], reason: string) => void;
  /** Randomness for jitter (tests pass a seeded one). */
  random?: () => number;
}

export type ResolvedInfluxOptions = Required<Omit<InfluxSinkOptions, 'onWriteLatency' | 'onRejected'>> &
  Pick<InfluxSinkOptions, 'onWriteLatency' | 'onRejected'>;

export const INFLUX_DEFAULTS = {
  url: 'http://localhost:8086',
  token: '',
  org: 'rtap',
  bucket: 'rtap',
  batchSize: 1000,
  flushIntervalMs: 1000,
  gzip: true,
  maxBufferedPoints: 100_000,
  timeoutMs: 10_000,
  minRetryDelayMs: 200,
  maxRetryDelayMs: 10_000,
  retryJitter: 0.2,
  breakerThreshold: 5,
  breakerOpenMs: 5_000,
  closeTimeoutMs: 60_000,
  includeEarly: false,
  measurementPrefix: 'rtap_',
  alertMeasurement: 'rtap_alerts',
} as const;

/** The standard InfluxDB client environment variables (as the influx CLI and Telegraf read them). */
export function influxOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<InfluxSinkOptions> {
  const out: Partial<InfluxSinkOptions> = {};
  if (env.INFLUX_URL) out.url = env.INFLUX_URL;
  if (env.INFLUX_TOKEN) out.token = env.INFLUX_TOKEN;
  if (env.INFLUX_ORG) out.org = env.INFLUX_ORG;
  if (env.INFLUX_BUCKET) out.bucket = env.INFLUX_BUCKET;
  return out;
}

const stderrLog = (message: string) => {
  process.stderr.write(`rtap: influx sink: ${message}\n`);
};

function check(ok: boolean, name: string, value: unknown, what: string): void {
  if (!ok) throw new UsageError(`influx sink: option ${name} must be ${what}, got ${JSON.stringify(value)}`);
}

/** Applies defaults and validates; a bad value throws a UsageError naming the option. */
export function resolveInfluxOptions(o: InfluxSinkOptions): ResolvedInfluxOptions {
  const r: ResolvedInfluxOptions = {
    ...INFLUX_DEFAULTS,
    tags: {},
    log: stderrLog,
    random: Math.random,
    ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
  } as ResolvedInfluxOptions;
  let parsed: URL | null = null;
  try {
    parsed = new URL(r.url);
  } catch {
    parsed = null;
  }
  check(
    parsed !== null && (parsed.protocol === 'http:' || parsed.protocol === 'https:'),
    'url',
    r.url,
    'an http:// or https:// URL',
  );
  const posInt = (name: keyof ResolvedInfluxOptions) =>
    check(Number.isInteger(r[name]) && (r[name] as number) > 0, name, r[name], 'a positive integer');
  const nonNeg = (name: keyof ResolvedInfluxOptions) =>
    check(Number.isFinite(r[name]) && (r[name] as number) >= 0, name, r[name], 'a number ≥ 0');
  posInt('batchSize');
  posInt('maxBufferedPoints');
  posInt('timeoutMs');
  posInt('breakerThreshold');
  posInt('closeTimeoutMs');
  nonNeg('flushIntervalMs');
  nonNeg('minRetryDelayMs');
  nonNeg('maxRetryDelayMs');
  nonNeg('breakerOpenMs');
  check(r.retryJitter >= 0 && r.retryJitter <= 1, 'retryJitter', r.retryJitter, 'between 0 and 1');
  check(
    r.maxBufferedPoints >= r.batchSize,
    'maxBufferedPoints',
    r.maxBufferedPoints,
    `≥ batchSize (${r.batchSize})`,
  );
  check(r.maxRetryDelayMs >= r.minRetryDelayMs, 'maxRetryDelayMs', r.maxRetryDelayMs, '≥ minRetryDelayMs');
  check(typeof r.org === 'string' && r.org !== '', 'org', r.org, 'a non-empty string');
  check(typeof r.bucket === 'string' && r.bucket !== '', 'bucket', r.bucket, 'a non-empty string');
  check(r.alertMeasurement !== '', 'alertMeasurement', r.alertMeasurement, 'a non-empty string');
  for (const [k, v] of Object.entries(r.tags)) {
    check(
      k !== '' && typeof v === 'string' && v !== '',
      `tags.${k}`,
      v,
      'a non-empty string (InfluxDB drops empty tags)',
    );
  }
  return r;
}

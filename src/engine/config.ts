import { UsageError } from '../errors.js';
import { DEFAULT_MAX_PARTIAL_MATCHES } from '../cep/limits.js';

/** The views selectable by name (`--views`); each emits one or more result views (docs/views.md). */
export const VIEW_NAMES = ['realtime', 'business', 'sessions', 'kpis', 'products', 'eventflow'] as const;
export type ViewName = (typeof VIEW_NAMES)[number];

/** Result view names each selectable view emits. */
export const RESULT_VIEWS: Record<ViewName, readonly string[]> = {
  realtime: ['realtime'],
  business: ['business'],
  sessions: ['sessions'],
  kpis: ['kpis'],
  products: ['products.tumbling', 'products.hopping'],
  eventflow: ['eventflow.orders', 'eventflow.revenue', 'eventflow.funnel'],
};

export interface EngineConfig {
  views: string[];
  outOfOrdernessMs: number;
  allowedLatenessMs: number;
  idleTimeoutMs: number;
  earlyIntervalMs: number | null;
  sessionGapMs: number;
  dedup: boolean;
  topN: number;
  /**
   * Views that emit early (current) results every earlyIntervalMs: the live, global views by default. Keyed
   * views (one result per session, product, user) would emit one update per active key per interval.
   */
  earlyViews?: string[];
  /** Distinct counts of the global views: exact Sets, or HyperLogLog (see hllPrecision). */
  distinct?: 'exact' | 'hll';
  /** HyperLogLog precision p: 2^p registers, standard error 1.04/sqrt(2^p) (14 → 0.81 %). */
  hllPrecision?: number;
  /** Longest journey a session result lists. */
  journeyLimit?: number;
  /** Window sizes (ms) of the views, defaults from the reference documents. */
  windows?: Partial<WindowSizes>;
  /**
   * Co-partitioned tasks: input partition p belongs to task p mod tasks, and state (dedup, every view's
   * windows and sessions) is kept per task. The gcd of the input topics' partition counts (3 for the
   * reference topology), so one user's events on every topic meet in one task. Default 1.
   */
  tasks?: number;
  /**
   * 'partition' (default): a watermark per input partition, the pipeline's is their minimum (DESIGN.md).
   * 'stream': one watermark over every event in arrival order, never idle (file mode: a recording is one
   * arrival order).
   */
  watermarkScope?: 'partition' | 'stream';
  /**
   * An event dated more than this ahead of the newest event time of its partition (of the stream, before
   * the partition's first event), plus the wall time since that partition's last event, is dead-lettered
   * as `future_timestamp` instead of moving the watermark. Default 1 hour.
   */
  maxFutureSkewMs?: number;
  /** Partial matches each CEP instance holds before it evicts the oldest keys (src/cep/cep.ts). */
  maxPartialMatches?: number;
}

export interface WindowSizes {
  realtime: number;
  business: number;
  kpis: number;
  productsTumbling: number;
  productsHoppingSize: number;
  productsHoppingStep: number;
  eventflow: number;
}

export const DEFAULT_WINDOWS: WindowSizes = {
  realtime: 5_000, // 000: 5-second real-time windows
  business: 60_000, // 000: 1-minute business windows
  kpis: 60_000, // 004: 1-minute KPIs
  productsTumbling: 300_000, // 003: 5-minute tumbling
  productsHoppingSize: 60_000, // 003: 1-minute sliding windows for trends...
  productsHoppingStep: 10_000, // ...advancing every 10 s: six overlapping windows, six panes each
  eventflow: 300_000, // 002: 5-minute tumbling
};

export function defaultEngineConfig(): EngineConfig {
  return {
    views: [...VIEW_NAMES],
    // Simulated and broker-delivered events arrive within a second or two of their event time; a 5 s window
    // is then final about 3 s after it ends (2 s + lateness), which is what a live view should feel like.
    // The reference's 10-minute watermark (002, 004) is `outOfOrdernessMs: 600000` for replays of old data.
    outOfOrdernessMs: 2_000,
    // A further second before a window is final and its state dropped, for the stragglers of a slow partition.
    allowedLatenessMs: 1_000,
    // A partition quiet for 5 s stops holding the watermark back: long enough to ride out a GC pause or a
    // broker hiccup, short enough that a stopped stream closes its last windows promptly.
    idleTimeoutMs: 5_000,
    // Live views (terminal UI, dashboard) refresh once a second; finals remain the source of truth.
    earlyIntervalMs: 1_000,
    // 000 and 004: sessions end after 30 minutes of inactivity.
    sessionGapMs: 30 * 60_000,
    // 004: deduplicate by event_id within the watermark.
    dedup: true,
    // Popular content lists the top 10.
    topN: 10,
    earlyViews: ['realtime', 'business', 'kpis'],
    distinct: 'exact',
    hllPrecision: 14,
    journeyLimit: 20,
    windows: { ...DEFAULT_WINDOWS },
    tasks: 1,
    watermarkScope: 'partition',
    maxFutureSkewMs: 3_600_000,
    maxPartialMatches: DEFAULT_MAX_PARTIAL_MATCHES,
  };
}

function wholeMs(field: string, v: unknown, minimum: number) {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < minimum) {
    throw new UsageError(
      `engine config ${field}: expected a whole number of milliseconds >= ${minimum}, got ${JSON.stringify(v)}`,
    );
  }
}

/** Checks every field and fills optional ones; the error names the offending field. */
export function resolveEngineConfig(config: EngineConfig): Required<EngineConfig> & { windows: WindowSizes } {
  const d = defaultEngineConfig();
  if (!Array.isArray(config.views) || config.views.length === 0) {
    throw new UsageError(
      `engine config views: expected a non-empty list of view names (${VIEW_NAMES.join(', ')})`,
    );
  }
  for (const v of config.views) {
    if (!(VIEW_NAMES as readonly string[]).includes(v)) {
      throw new UsageError(
        `engine config views: unknown view ${JSON.stringify(v)}; the views are ${VIEW_NAMES.join(', ')}`,
      );
    }
  }
  wholeMs('outOfOrdernessMs', config.outOfOrdernessMs, 0);
  wholeMs('allowedLatenessMs', config.allowedLatenessMs, 0);
  wholeMs('idleTimeoutMs', config.idleTimeoutMs, 1);
  if (config.earlyIntervalMs !== null) wholeMs('earlyIntervalMs', config.earlyIntervalMs, 1);
  wholeMs('sessionGapMs', config.sessionGapMs, 1);
  if (typeof config.dedup !== 'boolean')
    throw new UsageError(`engine config dedup: expected true or false, got ${JSON.stringify(config.dedup)}`);
  if (!Number.isInteger(config.topN) || config.topN < 1) {
    throw new UsageError(`engine config topN: expected an integer >= 1, got ${JSON.stringify(config.topN)}`);
  }
  const earlyViews = config.earlyViews ?? d.earlyViews!;
  for (const v of earlyViews) {
    if (!(VIEW_NAMES as readonly string[]).includes(v)) {
      throw new UsageError(
        `engine config earlyViews: unknown view ${JSON.stringify(v)}; the views are ${VIEW_NAMES.join(', ')}`,
      );
    }
  }
  const distinct = config.distinct ?? d.distinct!;
  if (distinct !== 'exact' && distinct !== 'hll') {
    throw new UsageError(
      `engine config distinct: expected "exact" or "hll", got ${JSON.stringify(distinct)}`,
    );
  }
  const hllPrecision = config.hllPrecision ?? d.hllPrecision!;
  if (!Number.isInteger(hllPrecision) || hllPrecision < 4 || hllPrecision > 18) {
    throw new UsageError(
      `engine config hllPrecision: expected an integer in 4..18, got ${JSON.stringify(hllPrecision)}`,
    );
  }
  const journeyLimit = config.journeyLimit ?? d.journeyLimit!;
  if (!Number.isInteger(journeyLimit) || journeyLimit < 1) {
    throw new UsageError(
      `engine config journeyLimit: expected an integer >= 1, got ${JSON.stringify(journeyLimit)}`,
    );
  }
  const tasks = config.tasks ?? d.tasks!;
  if (!Number.isInteger(tasks) || tasks < 1)
    throw new UsageError(`engine config tasks: expected an integer >= 1, got ${JSON.stringify(tasks)}`);
  const watermarkScope = config.watermarkScope ?? d.watermarkScope!;
  if (watermarkScope !== 'partition' && watermarkScope !== 'stream') {
    throw new UsageError(
      `engine config watermarkScope: expected "partition" or "stream", got ${JSON.stringify(watermarkScope)}`,
    );
  }
  const maxFutureSkewMs = config.maxFutureSkewMs ?? d.maxFutureSkewMs!;
  wholeMs('maxFutureSkewMs', maxFutureSkewMs, 0);
  const maxPartialMatches = config.maxPartialMatches ?? d.maxPartialMatches!;
  if (!Number.isSafeInteger(maxPartialMatches) || maxPartialMatches < 1)
    throw new UsageError(
      `engine config maxPartialMatches: expected an integer >= 1, got ${JSON.stringify(maxPartialMatches)}`,
    );
  const windows: WindowSizes = { ...DEFAULT_WINDOWS, ...(config.windows ?? {}) };
  for (const [k, v] of Object.entries(windows)) wholeMs(`windows.${k}`, v, 1);
  return {
    ...config,
    views: [...new Set(config.views)],
    earlyViews,
    distinct,
    hllPrecision,
    journeyLimit,
    windows,
    tasks,
    watermarkScope,
    maxFutureSkewMs,
    maxPartialMatches,
  };
}

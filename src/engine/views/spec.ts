import type { AnalyticsEvent } from '../../events/types.js';
import type { FieldValue } from '../../events/results.js';
import type { DistinctAggregator } from '../aggregations.js';
import type { WindowDef } from '../windows.js';

/** What a view's accumulator may depend on besides events (from the engine configuration). */
export interface ViewContext {
  topN: number;
  /** Distinct counter for the global views (exact Set or HyperLogLog). */
  distinct: DistinctAggregator;
  /** Longest journey a session result lists. */
  journeyLimit: number;
}

export interface ResultContext {
  key: string;
  windowStart: number;
  windowEnd: number;
  /** Wall time of this emission (latency fields are measured to it). */
  emittedAt: number;
}

/**
 * One named view: which events it takes and under which key, and an accumulator with the aggregation
 * interface (create / add / merge / result). Accumulators hold only plain data, Sets, Maps and HLL sketches
 * so that snapshots can encode them generically (serial.ts).
 */
export interface ViewSpec<A = unknown> {
  /** Result view name, e.g. `realtime` or `products.hopping`. */
  name: string;
  /** Window, or 'each' for a view that emits one final record per accepted event (raw orders). */
  window: WindowDef | 'each';
  /** The grouping key of an event, '' for a global view, or null when the view ignores the event. */
  key(e: AnalyticsEvent): string | null;
  create(): A;
  /**
   * Adds an event. `eventTime` and `sendTime` are its event_time and intended_send_time, read once by the
   * engine: events come in several shapes, so every read of a number field of an event is a megamorphic
   * property load, and one of a field holding a double (epoch ms) allocates a new heap number.
   */
  add(acc: A, e: AnalyticsEvent, eventTime: number, sendTime: number): void;
  /** Adds `from` into `into`; never modifies `from`. */
  merge(into: A, from: A): void;
  /**
   * Optional: an accumulator equal to create() followed by merge() of every part in order, for result()
   * only (it may share state with later calls, so it is never added or merged into). Views re-read every
   * early interval implement it to reuse work done for the previous result of the same window.
   */
  combine?(parts: readonly A[]): A;
  result(acc: A, ctx: ResultContext): Record<string, FieldValue>;
  /**
   * The accumulator is plain JSON already (finite numbers, strings, arrays, plain objects): a snapshot
   * takes it as it is instead of copying it through encode(). Checkpoints serialise a snapshot at once
   * and a restore decodes a copy, so sharing it costs nothing and saves a deep copy per checkpoint.
   */
  jsonSafe?: boolean;
}

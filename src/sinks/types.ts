import type { Alert, ViewResult } from '../events/results.js';
import type { AnalyticsEvent } from '../events/types.js';

export type Output = { kind: 'result'; result: ViewResult } | { kind: 'alert'; alert: Alert };

/**
 * Counters every sink reports, under the same names, for the run summaries and the dashboard's /metrics
 * (docs/process.md); a sink adds its own next to them.
 */
export interface SinkStats {
  [name: string]: number;
  /** Items the destination has: acknowledged by the store, committed to a file, written to a stream. */
  written: number;
  /** Item sends repeated after a failed or timed-out request (a 200-item batch sent 3 times counts 400). */
  retried: number;
  /** Items accepted by write() and not yet written. */
  buffered: number;
  /** Items given up on (dropped): rejected as invalid, or undeliverable at close or after a fatal error. */
  failed: number;
}

/**
 * The Sink seam (DESIGN.md). `write` may buffer; `flush` resolves when everything written so far is
 * durable at the destination. A sink that cannot keep up returns a promise from write that resolves when
 * it has room again: the pipeline awaits it, which is how back-pressure reaches the consumer.
 */
export interface Sink {
  readonly name: string;
  write(outputs: Output[]): Promise<void> | void;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Counters for reports: the common ones (SinkStats) and the sink's own. */
  stats(): SinkStats;
  /**
   * Sinks that archive the accepted input (the Parquet cold store, 004) get every event the engine
   * accepted (valid, not a duplicate, not late), before the outputs it contributed to.
   */
  archive?(events: AnalyticsEvent[]): Promise<void> | void;
}

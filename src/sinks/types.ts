import type { Alert, ViewResult } from '../events/results.js';
import type { AnalyticsEvent } from '../events/types.js';

export type Output = { kind: 'result'; result: ViewResult } | { kind: 'alert'; alert: Alert };

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
  /** Counters for reports (written, retried, failed, ...). */
  stats?(): Record<string, number>;
  /**
   * Sinks that archive the accepted input (the Parquet cold store, 004) get every event the engine
   * accepted (valid, not a duplicate, not late), before the outputs it contributed to.
   */
  archive?(events: AnalyticsEvent[]): Promise<void> | void;
}

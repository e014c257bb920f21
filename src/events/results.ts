/**
 * What the pipeline emits: view results (from the engine) and alerts (from CEP and threshold rules).
 * Sinks, the dashboard, the terminal UI and the reports all read these two shapes.
 */

export type FieldValue = number | string | boolean | null | FieldValue[] | { [k: string]: FieldValue };

export type EmitKind = 'final' | 'early';

export interface ViewResult {
  /** View name, e.g. `realtime`, `kpis`, `products.tumbling`. */
  view: string;
  /** Grouping key within the view ('' when the view is global), e.g. a product id or a currency. */
  key: string;
  window_start: number;
  window_end: number;
  emit: EmitKind;
  /** Wall time at which the engine emitted it, epoch ms. */
  emitted_at: number;
  /** Watermark at emission time. */
  watermark: number;
  /** Largest intended send time among contributing events: the origin of end-to-end latency. */
  last_intended_send_time: number;
  /** Number of events aggregated into it. */
  event_count: number;
  fields: Record<string, FieldValue>;
}

export type Severity = 'info' | 'warning' | 'critical';

export interface MatchedEventRef {
  /** Pattern variable the event bound to (A, B, ...). */
  variable: string;
  event_id: string;
  kind: string;
  event_time: number;
}

export interface Alert {
  alert_id: string;
  /** Pattern or rule name. */
  pattern: string;
  severity: Severity;
  /** Partition key of the match (user id by default). */
  key: string;
  message: string;
  events: MatchedEventRef[];
  first_event_time: number;
  last_event_time: number;
  /** Wall time of detection, epoch ms. */
  detected_at: number;
  /** Intended send time of the event that completed the match (alert latency origin). */
  trigger_intended_send_time: number;
  /**
   * Raised by the end-of-input flush (every pending timeout fired as if elapsed, e.g. a 30-minute
   * cart_abandonment after a 30 s run): an artefact of stopping, which benches report apart.
   */
  at_end_of_input?: true;
}

/** Deterministic identity of a window result: compaction keeps the latest per view + key + window. */
export function resultId(r: Pick<ViewResult, 'view' | 'key' | 'window_start' | 'window_end'>): string {
  return `${r.view}|${r.key}|${r.window_start}|${r.window_end}`;
}

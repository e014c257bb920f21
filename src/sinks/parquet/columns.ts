import type { ViewResult } from '../../events/results.js';
import type { AnalyticsEvent } from '../../events/types.js';
import { resultId } from '../../events/results.js';
import type { Dataset } from './layout.js';

/**
 * The columns of the two datasets (docs/stores.md). Results of every view share one schema, so the
 * view's own fields are one JSON column; events keep their common fields as columns and the whole event
 * as JSON. Event-time instants are TIMESTAMP(MILLIS, UTC); wall-clock bookkeeping that may have fractions
 * of a millisecond (emitted_at, the watermark) is DOUBLE ms, intended send times INT64 ms.
 */
export interface ColumnSpec {
  name: string;
  type: 'STRING' | 'INT64' | 'DOUBLE' | 'TIMESTAMP' | 'JSON';
  nullable: boolean;
}

export type Row = Record<string, unknown>;

export const COLUMNS: Record<Dataset, ColumnSpec[]> = {
  results: [
    { name: 'result_id', type: 'STRING', nullable: false },
    { name: 'view', type: 'STRING', nullable: false },
    { name: 'key', type: 'STRING', nullable: false },
    { name: 'window_start', type: 'TIMESTAMP', nullable: false },
    { name: 'window_end', type: 'TIMESTAMP', nullable: false },
    { name: 'emitted_at', type: 'DOUBLE', nullable: false },
    { name: 'watermark', type: 'DOUBLE', nullable: false },
    { name: 'last_intended_send_time', type: 'INT64', nullable: false },
    { name: 'event_count', type: 'INT64', nullable: false },
    { name: 'fields', type: 'JSON', nullable: false },
  ],
  events: [
    { name: 'event_id', type: 'STRING', nullable: false },
    { name: 'event_type', type: 'STRING', nullable: false },
    { name: 'user_id', type: 'STRING', nullable: false },
    { name: 'session_id', type: 'STRING', nullable: true },
    { name: 'event_time', type: 'TIMESTAMP', nullable: false },
    { name: 'intended_send_time', type: 'INT64', nullable: false },
    { name: 'event', type: 'JSON', nullable: false },
  ],
};

export function resultRow(r: ViewResult): Row {
  return {
    result_id: resultId(r),
    view: r.view,
    key: r.key,
    window_start: r.window_start,
    window_end: r.window_end,
    emitted_at: r.emitted_at,
    // The watermark is -Infinity before any event: a double, not an integer.
    watermark: r.watermark,
    last_intended_send_time: r.last_intended_send_time,
    event_count: r.event_count,
    fields: r.fields,
  };
}

export function eventRow(e: AnalyticsEvent): Row {
  return {
    event_id: e.event_id,
    event_type: e.event_type,
    user_id: e.user_id,
    session_id: e.session_id,
    event_time: e.event_time,
    intended_send_time: e.intended_send_time,
    event: e,
  };
}

/** The time a row is partitioned by: a result by its window start, an event by its event time. */
export const rowTime = (dataset: Dataset, row: Row) =>
  (dataset === 'results' ? row.window_start : row.event_time) as number;

/** Rows as hyparquet-writer column data, in COLUMNS order. */
export function columnData(dataset: Dataset, rows: Row[]) {
  return COLUMNS[dataset].map((c) => ({
    name: c.name,
    type: c.type,
    nullable: c.nullable,
    data:
      c.type === 'DOUBLE'
        ? Float64Array.from(rows, (r) => r[c.name] as number)
        : c.type === 'TIMESTAMP'
          ? rows.map((r) => Math.round(r[c.name] as number))
          : c.type === 'INT64'
            ? rows.map((r) => BigInt(Math.round(r[c.name] as number)))
            : rows.map((r) => r[c.name] ?? null),
  }));
}

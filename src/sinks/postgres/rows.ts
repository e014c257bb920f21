import type { FieldValue, ViewResult } from '../../events/results.js';
import { TABLE_BY_VIEW, type TableDef } from './schema.js';

/** One row for one of the three tables, values in the table's column order (TABLES). */
export interface PgRow {
  table: TableDef;
  values: (string | number | null)[];
}

/** An epoch-ms instant as the ISO text PostgreSQL parses into timestamptz exactly (ms precision). */
export const isoTime = (ms: number) => new Date(ms).toISOString();

const num = (v: FieldValue | undefined): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : null;
const text = (v: FieldValue | undefined): string | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v);

/**
 * The row of a final eventflow result, or null for a result the tables do not hold (other views, early
 * results). Column values follow the view's fields (src/engine/views/eventflow.ts).
 */
export function rowOf(r: ViewResult): PgRow | null {
  if (r.emit !== 'final') return null;
  const table = TABLE_BY_VIEW.get(r.view);
  if (!table) return null;
  const f = r.fields;
  const window = [isoTime(r.window_start), isoTime(r.window_end)];
  const emitted = isoTime(r.emitted_at);
  switch (table.name) {
    case 'orders_raw':
      return {
        table,
        values: [
          r.key,
          text(f.user_id),
          text(f.product_id),
          num(f.price),
          num(f.quantity),
          num(f.revenue),
          text(f.currency),
          text(f.user_type),
          isoTime(typeof f.timestamp === 'number' ? f.timestamp : r.window_start),
          ...window,
          emitted,
        ],
      };
    case 'revenue_by_currency_5min':
      return {
        table,
        values: [...window, r.key, num(f.total_revenue), num(f.order_count), num(f.avg_order_value), emitted],
      };
    case 'conversion_funnel_5min':
      return { table, values: [...window, r.key, num(f.view_count), num(f.order_count), emitted] };
  }
}

/** The identity of a row (its primary key values), to keep one row per key in a statement. */
export function rowKey(row: PgRow): string {
  const cols = row.table.columns.map(([c]) => c);
  return row.table.key.map((k) => String(row.values[cols.indexOf(k)])).join('|');
}

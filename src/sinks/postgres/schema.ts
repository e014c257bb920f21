/**
 * 002's three PostgreSQL tables (docs/stores.md has the same DDL): the columns of the reference plus the
 * result's window and emission time, and the primary keys the reference names, which are also each
 * result's identity, so a re-delivered result upserts its row instead of adding one.
 */

export type TableName = 'orders_raw' | 'revenue_by_currency_5min' | 'conversion_funnel_5min';

export interface TableDef {
  name: TableName;
  /** The eventflow view whose final results fill it. */
  view: string;
  /** Columns in insert order, with their SQL types. */
  columns: [name: string, type: string][];
  /** The result identity (ON CONFLICT target). */
  key: string[];
}

export const TABLES: TableDef[] = [
  {
    name: 'orders_raw',
    view: 'eventflow.orders',
    columns: [
      ['order_id', 'text NOT NULL'],
      ['user_id', 'text NOT NULL'],
      ['product_id', 'text'],
      ['price', 'double precision'],
      ['quantity', 'integer'],
      ['revenue', 'double precision NOT NULL'],
      ['currency', 'text'],
      ['user_type', 'text'],
      ['timestamp', 'timestamptz NOT NULL'],
      ['window_start', 'timestamptz NOT NULL'],
      ['window_end', 'timestamptz NOT NULL'],
      ['emitted_at', 'timestamptz NOT NULL'],
    ],
    key: ['order_id'],
  },
  {
    name: 'revenue_by_currency_5min',
    view: 'eventflow.revenue',
    columns: [
      ['window_start', 'timestamptz NOT NULL'],
      ['window_end', 'timestamptz NOT NULL'],
      ['currency', 'text NOT NULL'],
      ['total_revenue', 'double precision NOT NULL'],
      ['order_count', 'bigint NOT NULL'],
      ['avg_order_value', 'double precision'],
      ['emitted_at', 'timestamptz NOT NULL'],
    ],
    key: ['window_start', 'currency'],
  },
  {
    name: 'conversion_funnel_5min',
    view: 'eventflow.funnel',
    columns: [
      ['window_start', 'timestamptz NOT NULL'],
      ['window_end', 'timestamptz NOT NULL'],
      ['user_id', 'text NOT NULL'],
      ['view_count', 'bigint NOT NULL'],
      ['order_count', 'bigint NOT NULL'],
      ['emitted_at', 'timestamptz NOT NULL'],
    ],
    key: ['window_start', 'user_id'],
  },
];

export const TABLE_BY_VIEW = new Map(TABLES.map((t) => [t.view, t]));

/** A double-quoted SQL identifier. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(schema: string, table: string): string {
  return `${ident(schema)}.${ident(table)}`;
}

/** CREATE SCHEMA / TABLE / INDEX IF NOT EXISTS, one statement each. */
export function ddl(schema: string): string[] {
  const out = [`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`];
  for (const t of TABLES) {
    const cols = t.columns.map(([c, type]) => `  ${ident(c)} ${type}`).join(',\n');
    out.push(
      `CREATE TABLE IF NOT EXISTS ${qualified(schema, t.name)} (\n${cols},\n  PRIMARY KEY (${t.key.map(ident).join(', ')})\n)`,
    );
  }
  // 002: "Timestamps for time-range queries".
  out.push(
    `CREATE INDEX IF NOT EXISTS ${ident('orders_raw_timestamp')} ON ${qualified(schema, 'orders_raw')} (${ident('timestamp')})`,
  );
  return out;
}

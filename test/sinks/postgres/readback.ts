/**
 * Reads 002's three tables back for the postgres tests, and the rows the tests expect from a list of view
 * results (the documented mapping of docs/stores.md, written out again here, not the sink's encoder).
 */
import pg from 'pg';
import type { ViewResult } from '../../../src/events/results.js';

export type Rows = Map<string, Record<string, unknown>>;
export interface Tables {
  orders_raw: Rows;
  revenue_by_currency_5min: Rows;
  conversion_funnel_5min: Rows;
}

const KEYS = {
  orders_raw: ['order_id'],
  revenue_by_currency_5min: ['window_start', 'currency'],
  conversion_funnel_5min: ['window_start', 'user_id'],
} as const;

/** Every row keyed by its primary key; timestamps as epoch ms, bigints as numbers; emitted_at left out. */
export async function readTables(url: string, schema: string): Promise<Tables> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const out = {} as Tables;
    for (const [table, key] of Object.entries(KEYS) as [keyof Tables, readonly string[]][]) {
      const rows = (await c.query(`SELECT * FROM "${schema}"."${table}"`)).rows as Record<string, unknown>[];
      const map: Rows = new Map();
      for (const r of rows) {
        const row: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(r)) {
          if (k === 'emitted_at') continue;
          row[k] = v instanceof Date ? v.getTime() : k.endsWith('_count') ? Number(v) : v;
        }
        map.set(key.map((k) => String(row[k])).join('|'), row);
      }
      out[table] = map;
    }
    return out;
  } finally {
    await c.end();
  }
}

/** The rows the final eventflow results should have become (last delivery of each identity wins). */
export function expectedTables(results: ViewResult[]): Tables {
  const t: Tables = {
    orders_raw: new Map(),
    revenue_by_currency_5min: new Map(),
    conversion_funnel_5min: new Map(),
  };
  for (const r of results) {
    if (r.emit !== 'final') continue;
    const f = r.fields as Record<string, number | string | null>;
    const w = { window_start: r.window_start, window_end: r.window_end };
    if (r.view === 'eventflow.orders')
      t.orders_raw.set(r.key, {
        order_id: r.key,
        user_id: f.user_id,
        product_id: f.product_id,
        price: f.price,
        quantity: f.quantity,
        revenue: f.revenue,
        currency: f.currency,
        user_type: f.user_type,
        timestamp: f.timestamp,
        ...w,
      });
    else if (r.view === 'eventflow.revenue')
      t.revenue_by_currency_5min.set(`${r.window_start}|${r.key}`, {
        ...w,
        currency: r.key,
        total_revenue: f.total_revenue,
        order_count: f.order_count,
        avg_order_value: f.avg_order_value,
      });
    else if (r.view === 'eventflow.funnel')
      t.conversion_funnel_5min.set(`${r.window_start}|${r.key}`, {
        ...w,
        user_id: r.key,
        view_count: f.view_count,
        order_count: f.order_count,
      });
  }
  return t;
}

/** Row counts of the three tables (to watch a run progress). */
export async function countRows(url: string, schema: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {});
  try {
    await c.connect();
    const r = await c.query(
      `SELECT (SELECT count(*) FROM "${schema}".orders_raw) + (SELECT count(*) FROM "${schema}".revenue_by_currency_5min) + (SELECT count(*) FROM "${schema}".conversion_funnel_5min) AS n`,
    );
    return Number(r.rows[0].n);
  } catch {
    return 0; // tables not created yet
  } finally {
    await c.end().catch(() => {});
  }
}

import { SEGMENT_RULES, type BatchReport, type Segment } from '../../engine/analytics.js';
import { RtapError } from '../../errors.js';
import { describePgError } from './writer.js';
import { qualified, TABLES } from './schema.js';

/**
 * 002's batch analytics as SQL over the three tables the PostgreSQL sink fills, giving the same report as
 * analyzeResults() over stored JSON lines (src/engine/analytics.ts): top revenue by currency, conversion
 * rate per user, revenue trend, user segments. Floating-point sums are ordered as analyzeResults orders
 * them (window start, then key, byte order: COLLATE "C"), so the figures are identical, not just close.
 */

const C = 'COLLATE "C"';

/** The segment rules of SEGMENT_RULES as one CASE (VIP > 1000, Premium > 500, Regular: 2+ orders). */
const SEGMENT_CASE = `CASE WHEN revenue > 1000 THEN 'VIP' WHEN revenue > 500 THEN 'Premium' WHEN orders >= 2 THEN 'Regular' ELSE 'New' END`;

export function reportQueries(schema: string) {
  const t = (name: string) => qualified(schema, name);
  return {
    counts: TABLES.map((x) => `SELECT '${x.view}' AS view, count(*)::float8 AS n FROM ${t(x.name)}`).join(
      ' UNION ALL ',
    ),
    currencies: `
      SELECT currency,
             sum(total_revenue ORDER BY window_start) AS total_revenue,
             sum(order_count)::float8 AS order_count,
             sum(avg_order_value ORDER BY window_start) AS avg_sum,
             count(avg_order_value)::float8 AS avg_n,
             count(*)::float8 AS windows
        FROM ${t('revenue_by_currency_5min')}
       GROUP BY currency
       ORDER BY total_revenue DESC, currency ${C}`,
    users: `
      SELECT user_id, views, orders,
             CASE WHEN views > 0 THEN (orders / views) * 100::float8 END AS conversion_rate_pct
        FROM (SELECT user_id, sum(view_count)::float8 AS views, sum(order_count)::float8 AS orders
                FROM ${t('conversion_funnel_5min')} GROUP BY user_id) u
       ORDER BY conversion_rate_pct DESC NULLS LAST, orders DESC, user_id ${C}`,
    trend: `
      SELECT window_start, min(window_end) AS window_end,
             sum(total_revenue ORDER BY currency ${C}) AS total_revenue,
             sum(order_count)::float8 AS order_count,
             json_object_agg(currency, total_revenue ORDER BY currency ${C}) AS by_currency
        FROM ${t('revenue_by_currency_5min')}
       GROUP BY window_start
       ORDER BY window_start`,
    segments: `
      WITH spend AS (
        SELECT user_id, sum(revenue ORDER BY window_start, order_id ${C}) AS revenue, count(*) AS orders
          FROM ${t('orders_raw')} GROUP BY user_id
      )
      SELECT ${SEGMENT_CASE} AS segment, count(*)::float8 AS users, sum(orders)::float8 AS orders,
             sum(revenue ORDER BY user_id ${C}) AS revenue
        FROM spend GROUP BY 1`,
  };
}

type Row = Record<string, unknown>;
const n = (v: unknown): number => Number(v);
const orNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const ms = (v: unknown): number => (v instanceof Date ? v.getTime() : Date.parse(String(v)));

/** Runs the analytics over `url` (schema `schema`); a missing table or server is an error naming it. */
export async function analyzePostgres(url: string, schema = 'public'): Promise<BatchReport> {
  const { Client } = (await import('pg')).default;
  const client = new Client({ connectionString: url, application_name: 'rtap report' });
  client.on('error', () => {});
  const where = `${url.replace(/:[^:@/]*@/, ':***@')} (schema ${schema})`;
  try {
    await client.connect();
  } catch (e) {
    throw new RtapError(`rtap report: cannot connect to ${where}: ${describePgError(e)}`);
  }
  const q = reportQueries(schema);
  const run = async (sql: string): Promise<Row[]> => {
    try {
      return (await client.query(sql)).rows as Row[];
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new RtapError(
        `rtap report: query over ${where} failed: ${describePgError(e)}`,
        undefined,
        code === '42P01' || code === '3F000'
          ? 'the tables are created by `rtap process --sink postgres`; check --pg-schema'
          : undefined,
      );
    }
  };
  try {
    // One snapshot for all five queries: a sink writing meanwhile cannot make them disagree.
    await run('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const counts = await run(q.counts);
    const currencies = await run(q.currencies);
    const users = await run(q.users);
    const trend = await run(q.trend);
    const segments = await run(q.segments);
    await run('COMMIT');
    const byView: Record<string, number> = {};
    for (const r of [...counts].sort((a, b) => (String(a.view) < String(b.view) ? -1 : 1)))
      if (n(r.n) > 0) byView[String(r.view)] = n(r.n);
    const bySegment = new Map(segments.map((r) => [String(r.segment), r]));
    return {
      input: { finals: Object.values(byView).reduce((a, b) => a + b, 0), byView },
      topRevenueByCurrency: currencies.map((r) => {
        const total = n(r.total_revenue);
        const orders = n(r.order_count);
        const avgN = n(r.avg_n);
        return {
          currency: String(r.currency),
          total_revenue: total,
          order_count: orders,
          avg_order_value: orders ? total / orders : null,
          mean_window_avg_order_value: avgN ? n(r.avg_sum) / avgN : null,
          windows: n(r.windows),
        };
      }),
      conversionByUser: users.map((r) => ({
        user_id: String(r.user_id),
        views: n(r.views),
        orders: n(r.orders),
        conversion_rate_pct: orNull(r.conversion_rate_pct),
      })),
      revenueTrend: trend.map((r) => ({
        window_start: ms(r.window_start),
        window_end: ms(r.window_end),
        total_revenue: n(r.total_revenue),
        order_count: n(r.order_count),
        by_currency: r.by_currency as Record<string, number>,
      })),
      segments: SEGMENT_RULES.map(({ segment, rule }): Segment => {
        const r = bySegment.get(segment);
        const users = r ? n(r.users) : 0;
        const orders = r ? n(r.orders) : 0;
        const revenue = r ? n(r.revenue) : 0;
        return {
          segment,
          rule,
          users,
          orders,
          revenue,
          avg_revenue_per_user: users ? revenue / users : null,
          avg_order_value: orders ? revenue / orders : null,
        };
      }),
    };
  } finally {
    await client.end().catch(() => {});
  }
}

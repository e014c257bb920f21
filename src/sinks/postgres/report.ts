import { reportFrom, type BatchReport, type ReportAggregates } from '../../engine/analytics.js';
import { DEFAULT_MONEY, type Money } from '../../events/currency.js';
import { RtapError } from '../../errors.js';
import { describePgError } from './writer.js';
import { qualified, TABLES } from './schema.js';

/**
 * 002's batch analytics as SQL over the three tables the PostgreSQL sink fills: the database aggregates
 * (per currency, per window, per user, each order's amount converted into the reporting currency with the
 * same rate table), and the report is made from those aggregates by the code that makes it from JSON
 * lines (analytics.ts reportFrom). Floating-point sums are ordered as aggregateResults orders them
 * (window start, then key, byte order: COLLATE "C"), so the figures are identical, not just close.
 */

const C = 'COLLATE "C"';

export function reportQueries(schema: string, money: Money) {
  const t = (name: string) => qualified(schema, name);
  // The rate table as rows: (code, units per base), and the reporting currency's rate.
  const rates = Object.entries(money.table.rates)
    .map(([code, rate]) => `('${code.replace(/'/g, "''")}', ${Number(rate)}::float8)`)
    .join(', ');
  const to = Number(money.table.rates[money.currency]);
  const ratesCte = `rates(code, rate) AS (VALUES ${rates || '(NULL::text, NULL::float8)'})`;
  return {
    counts: TABLES.map((x) => `SELECT '${x.view}' AS view, count(*)::float8 AS n FROM ${t(x.name)}`).join(
      ' UNION ALL ',
    ),
    currencies: `
      SELECT currency,
             sum(total_revenue ORDER BY window_start) AS total,
             sum(order_count)::float8 AS orders,
             coalesce(sum(avg_order_value ORDER BY window_start), 0) AS avg_sum,
             count(avg_order_value)::float8 AS avg_n,
             count(*)::float8 AS windows
        FROM ${t('revenue_by_currency_5min')}
       GROUP BY currency
       ORDER BY currency ${C}`,
    users: `
      SELECT user_id, sum(view_count)::float8 AS views, sum(order_count)::float8 AS orders
        FROM ${t('conversion_funnel_5min')}
       GROUP BY user_id
       ORDER BY user_id ${C}`,
    trend: `
      SELECT window_start, min(window_end) AS window_end,
             sum(order_count)::float8 AS order_count,
             json_object_agg(currency, total_revenue ORDER BY currency ${C}) AS by_currency
        FROM ${t('revenue_by_currency_5min')}
       GROUP BY window_start
       ORDER BY window_start`,
    spend: `
      WITH ${ratesCte}
      SELECT o.user_id,
             coalesce(sum((o.revenue / r.rate) * ${Number.isFinite(to) ? `${to}::float8` : 'NULL::float8'}
                          ORDER BY o.window_start, o.order_id ${C}), 0) AS revenue,
             count(*)::float8 AS orders
        FROM ${t('orders_raw')} o LEFT JOIN rates r ON r.code = o.currency
       GROUP BY o.user_id
       ORDER BY o.user_id ${C}`,
    unconverted: `
      WITH ${ratesCte}
      SELECT o.currency,
             sum(o.revenue ORDER BY o.window_start, o.order_id ${C}) AS revenue
        FROM ${t('orders_raw')} o LEFT JOIN rates r ON r.code = o.currency
       WHERE r.rate IS NULL OR ${Number.isFinite(to) ? 'false' : 'true'}
       GROUP BY o.currency
       ORDER BY o.currency ${C}`,
  };
}

type Row = Record<string, unknown>;
const n = (v: unknown): number => Number(v);
const ms = (v: unknown): number => (v instanceof Date ? v.getTime() : Date.parse(String(v)));

/** Runs the analytics over `url` (schema `schema`); a missing table or server is an error naming it. */
export async function analyzePostgres(
  url: string,
  schema = 'public',
  money: Money = DEFAULT_MONEY,
): Promise<BatchReport> {
  const { Client } = (await import('pg')).default;
  const client = new Client({ connectionString: url, application_name: 'rtap report' });
  client.on('error', () => {});
  const where = `${url.replace(/:[^:@/]*@/, ':***@')} (schema ${schema})`;
  try {
    await client.connect();
  } catch (e) {
    throw new RtapError(`rtap report: cannot connect to ${where}: ${describePgError(e)}`);
  }
  const q = reportQueries(schema, money);
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
    // One snapshot for every query: a sink writing meanwhile cannot make them disagree.
    await run('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const counts = await run(q.counts);
    const currencies = await run(q.currencies);
    const users = await run(q.users);
    const trend = await run(q.trend);
    const spend = await run(q.spend);
    const unconverted = await run(q.unconverted);
    await run('COMMIT');
    const byView: Record<string, number> = {};
    for (const r of [...counts].sort((a, b) => (String(a.view) < String(b.view) ? -1 : 1)))
      if (n(r.n) > 0) byView[String(r.view)] = n(r.n);
    const aggregates: ReportAggregates = {
      byView,
      currencies: currencies.map((r) => ({
        currency: String(r.currency),
        total: n(r.total),
        orders: n(r.orders),
        avgSum: n(r.avg_sum),
        avgN: n(r.avg_n),
        windows: n(r.windows),
      })),
      trend: trend.map((r) => ({
        window_start: ms(r.window_start),
        window_end: ms(r.window_end),
        order_count: n(r.order_count),
        by_currency: r.by_currency as Record<string, number>,
      })),
      users: users.map((r) => ({ user_id: String(r.user_id), views: n(r.views), orders: n(r.orders) })),
      spend: spend.map((r) => ({ user_id: String(r.user_id), revenue: n(r.revenue), orders: n(r.orders) })),
      unconverted: Object.fromEntries(unconverted.map((r) => [String(r.currency ?? 'XXX'), n(r.revenue)])),
    };
    return reportFrom(aggregates, money);
  } finally {
    await client.end().catch(() => {});
  }
}

import { resultId, type ViewResult } from '../events/results.js';

/**
 * 002's batch analytics over stored results (what `rtap report` prints): top revenue by currency,
 * conversion rate per user, revenue trend, user segments. Reads the final records of eventflow.revenue,
 * eventflow.funnel and eventflow.orders; early records are ignored, and a record delivered twice
 * (at-least-once sinks) counts once, by its result id (view|key|window). Results are aggregated in a
 * canonical order (view, window start, key; users by id) rather than the order they were stored in, so
 * floating-point sums come out bit for bit the same from every store: the SQL over PostgreSQL
 * (src/sinks/postgres/report.ts) sums in the same order.
 */
export interface CurrencyRevenue {
  currency: string;
  total_revenue: number;
  order_count: number;
  /** total_revenue / order_count. */
  avg_order_value: number | null;
  /** Mean of the windows' average order values, as 002's avg(avg_value) computes it. */
  mean_window_avg_order_value: number | null;
  windows: number;
}

export interface UserConversion {
  user_id: string;
  views: number;
  orders: number;
  /** orders / views * 100; null for a user with orders but no recorded views. */
  conversion_rate_pct: number | null;
}

export interface TrendPoint {
  window_start: number;
  window_end: number;
  total_revenue: number;
  order_count: number;
  by_currency: Record<string, number>;
}

export type SegmentName = 'VIP' | 'Premium' | 'Regular' | 'New';
export interface Segment {
  segment: SegmentName;
  /** Rule, e.g. "spend > 1000". */
  rule: string;
  users: number;
  orders: number;
  revenue: number;
  avg_revenue_per_user: number | null;
  avg_order_value: number | null;
}

export interface BatchReport {
  /** Final results of the analyzed views, per view (in view-name order). */
  input: { finals: number; byView: Record<string, number> };
  topRevenueByCurrency: CurrencyRevenue[];
  conversionByUser: UserConversion[];
  revenueTrend: TrendPoint[];
  segments: Segment[];
}

export const SEGMENT_RULES: {
  segment: SegmentName;
  rule: string;
  test: (spend: number, orders: number) => boolean;
}[] = [
  { segment: 'VIP', rule: 'spend > 1000', test: (s) => s > 1000 },
  { segment: 'Premium', rule: '500 < spend <= 1000', test: (s) => s > 500 },
  { segment: 'Regular', rule: 'spend <= 500, 2 or more orders', test: (_s, n) => n >= 2 },
  { segment: 'New', rule: 'spend <= 500, a single order', test: () => true },
];

const num = (v: unknown) => (typeof v === 'number' ? v : 0);

/** The views the batch analytics read. */
export const REPORT_VIEWS = ['eventflow.funnel', 'eventflow.orders', 'eventflow.revenue'];

export function analyzeResults(records: Iterable<ViewResult>): BatchReport {
  const latest = new Map<string, ViewResult>();
  for (const r of records)
    if (r.emit === 'final' && REPORT_VIEWS.includes(r.view)) latest.set(resultId(r), r);
  const finals = [...latest.values()].sort(
    (a, b) => cmp(a.view, b.view) || a.window_start - b.window_start || cmp(a.key, b.key),
  );
  const byView: Record<string, number> = {};
  for (const r of finals) byView[r.view] = (byView[r.view] ?? 0) + 1;

  const currencies = new Map<
    string,
    { total: number; orders: number; avgSum: number; avgN: number; windows: number }
  >();
  const trend = new Map<number, TrendPoint>();
  const users = new Map<string, { views: number; orders: number }>();
  const spend = new Map<string, { revenue: number; orders: number }>();
  for (const r of finals) {
    const f = r.fields;
    if (r.view === 'eventflow.revenue') {
      const c = currencies.get(r.key) ?? { total: 0, orders: 0, avgSum: 0, avgN: 0, windows: 0 };
      c.total += num(f.total_revenue);
      c.orders += num(f.order_count);
      if (typeof f.avg_order_value === 'number') {
        c.avgSum += f.avg_order_value;
        c.avgN++;
      }
      c.windows++;
      currencies.set(r.key, c);
      const t = trend.get(r.window_start) ?? {
        window_start: r.window_start,
        window_end: r.window_end,
        total_revenue: 0,
        order_count: 0,
        by_currency: {},
      };
      t.total_revenue += num(f.total_revenue);
      t.order_count += num(f.order_count);
      t.by_currency[r.key] = (t.by_currency[r.key] ?? 0) + num(f.total_revenue);
      trend.set(r.window_start, t);
    } else if (r.view === 'eventflow.funnel') {
      const u = users.get(r.key) ?? { views: 0, orders: 0 };
      u.views += num(f.view_count);
      u.orders += num(f.order_count);
      users.set(r.key, u);
    } else if (r.view === 'eventflow.orders') {
      const user = String(f.user_id);
      const s = spend.get(user) ?? { revenue: 0, orders: 0 };
      s.revenue += num(f.revenue);
      s.orders++;
      spend.set(user, s);
    }
  }

  const topRevenueByCurrency = [...currencies]
    .map(([currency, c]) => ({
      currency,
      total_revenue: c.total,
      order_count: c.orders,
      avg_order_value: c.orders ? c.total / c.orders : null,
      mean_window_avg_order_value: c.avgN ? c.avgSum / c.avgN : null,
      windows: c.windows,
    }))
    .sort((a, b) => b.total_revenue - a.total_revenue || cmp(a.currency, b.currency));

  const conversionByUser = [...users]
    .map(([user_id, u]) => ({
      user_id,
      views: u.views,
      orders: u.orders,
      conversion_rate_pct: u.views ? (u.orders / u.views) * 100 : null,
    }))
    .sort(
      (a, b) =>
        (b.conversion_rate_pct ?? -1) - (a.conversion_rate_pct ?? -1) ||
        b.orders - a.orders ||
        cmp(a.user_id, b.user_id),
    );

  const segments: Segment[] = SEGMENT_RULES.map(({ segment, rule }) => ({
    segment,
    rule,
    users: 0,
    orders: 0,
    revenue: 0,
    avg_revenue_per_user: null,
    avg_order_value: null,
  }));
  for (const [, s] of [...spend].sort((a, b) => cmp(a[0], b[0]))) {
    const i = SEGMENT_RULES.findIndex((r) => r.test(s.revenue, s.orders));
    segments[i].users++;
    segments[i].orders += s.orders;
    segments[i].revenue += s.revenue;
  }
  for (const s of segments) {
    s.avg_revenue_per_user = s.users ? s.revenue / s.users : null;
    s.avg_order_value = s.orders ? s.revenue / s.orders : null;
  }

  return {
    input: { finals: finals.length, byView },
    topRevenueByCurrency,
    conversionByUser,
    revenueTrend: [...trend.values()].sort((a, b) => a.window_start - b.window_start),
    segments,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

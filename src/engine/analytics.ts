import { resultId, type ViewResult } from '../events/results.js';
import { DEFAULT_MONEY, convert, totalIn, type Money, type RateTable } from '../events/currency.js';

/**
 * 002's batch analytics over stored results (what `rtap report` prints): top revenue by currency,
 * conversion rate per user, revenue trend, user segments. Reads the final records of eventflow.revenue,
 * eventflow.funnel and eventflow.orders; early records are ignored, and a record delivered twice
 * (at-least-once sinks) counts once, by its result id (view|key|window). Amounts of different currencies
 * are never added as they are: totals are converted into the reporting currency (docs/currency.md).
 * Every store gives the same report to the last bit: see ReportAggregates.
 */
export interface CurrencyRevenue {
  currency: string;
  total_revenue: number;
  /** total_revenue in the reporting currency; null when the rate table lacks the currency. */
  total_revenue_converted: number | null;
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
  /**
   * 002's conversion rate: orders / product views * 100; null for a user with orders but no recorded
   * views. Not a share: it exceeds 100 when a user orders products viewed before the data begins (a cart
   * filled in an earlier visit), since an order line counts one product.
   */
  conversion_rate_pct: number | null;
}

export interface TrendPoint {
  window_start: number;
  window_end: number;
  /** The window's revenue in the reporting currency (what `by_currency` converts to). */
  total_revenue: number | null;
  order_count: number;
  /** As ordered, per currency. */
  by_currency: Record<string, number>;
  /** Amounts in currencies the rate table lacks: left out of total_revenue. */
  unconverted: Record<string, number>;
}

export type SegmentName = 'VIP' | 'Premium' | 'Regular' | 'New';
export interface Segment {
  segment: SegmentName;
  /** Rule, e.g. "spend > 1,000.00 USD": 002's dollar thresholds in the reporting currency. */
  rule: string;
  users: number;
  orders: number;
  /** In the reporting currency. */
  revenue: number;
  avg_revenue_per_user: number | null;
  avg_order_value: number | null;
}

export interface BatchReport {
  /** Final results of the analyzed views, per view (in view-name order). */
  input: { finals: number; byView: Record<string, number> };
  /** The reporting currency of every converted total, and the rate table used. */
  currency: string;
  rates: RateTable;
  /** Order amounts left out of segment spend: their currency is not in the rate table. */
  unconverted_order_revenue: Record<string, number>;
  topRevenueByCurrency: CurrencyRevenue[];
  conversionByUser: UserConversion[];
  revenueTrend: TrendPoint[];
  segments: Segment[];
}

/** 002's thresholds are dollars: VIP spends over $1K, Premium over $500. */
const VIP_USD = 1000;
const PREMIUM_USD = 500;

/** 002's segments, with its dollar thresholds converted into the reporting currency. */
export function segmentRules(money: Money): {
  segment: SegmentName;
  rule: string;
  test: (spend: number, orders: number) => boolean;
}[] {
  // A table without USD: the thresholds are taken as amounts of the reporting currency, and say so.
  const inCur = (usd: number) => convert(usd, 'USD', money.currency, money.table) ?? usd;
  const vip = inCur(VIP_USD);
  const premium = inCur(PREMIUM_USD);
  const amount = (v: number) =>
    `${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${money.currency}`;
  return [
    { segment: 'VIP', rule: `spend > ${amount(vip)}`, test: (s) => s > vip },
    { segment: 'Premium', rule: `${amount(premium)} < spend <= ${amount(vip)}`, test: (s) => s > premium },
    { segment: 'Regular', rule: `spend <= ${amount(premium)}, 2 or more orders`, test: (_s, n) => n >= 2 },
    { segment: 'New', rule: `spend <= ${amount(premium)}, a single order`, test: () => true },
  ];
}

const num = (v: unknown) => (typeof v === 'number' ? v : 0);

/** The views the batch analytics read. */
export const REPORT_VIEWS = ['eventflow.funnel', 'eventflow.orders', 'eventflow.revenue'];

/**
 * What the analytics need from a store, summed in one canonical order (view, window start, key; users
 * by id) whatever order the store holds them in, so every store gives the same figures to the last bit:
 * the JSON lines (aggregateResults), the SQL over PostgreSQL (src/sinks/postgres/report.ts). Order
 * amounts are converted one by one into the reporting currency before they are summed per user.
 */
export interface ReportAggregates {
  byView: Record<string, number>;
  /** Per currency, by currency code. */
  currencies: {
    currency: string;
    total: number;
    orders: number;
    avgSum: number;
    avgN: number;
    windows: number;
  }[];
  /** Per window start: the window's end, orders and revenue by currency (currencies in code order). */
  trend: {
    window_start: number;
    window_end: number;
    order_count: number;
    by_currency: Record<string, number>;
  }[];
  /** Per user id: product views and orders. */
  users: { user_id: string; views: number; orders: number }[];
  /** Per user id: order lines and their spend in the reporting currency. */
  spend: { user_id: string; revenue: number; orders: number }[];
  /** Order amounts in currencies the rate table lacks, per currency. */
  unconverted: Record<string, number>;
}

/** The aggregates of stored results (JSON lines, Parquet): final records once each, in canonical order. */
export function aggregateResults(
  records: Iterable<ViewResult>,
  money: Money = DEFAULT_MONEY,
): ReportAggregates {
  const latest = new Map<string, ViewResult>();
  for (const r of records)
    if (r.emit === 'final' && REPORT_VIEWS.includes(r.view)) latest.set(resultId(r), r);
  const finals = [...latest.values()].sort(
    (a, b) => cmp(a.view, b.view) || a.window_start - b.window_start || cmp(a.key, b.key),
  );
  const byView: Record<string, number> = {};
  for (const r of finals) byView[r.view] = (byView[r.view] ?? 0) + 1;
  const currencies = new Map<string, ReportAggregates['currencies'][number]>();
  const trend = new Map<number, ReportAggregates['trend'][number]>();
  const users = new Map<string, { views: number; orders: number }>();
  const spend = new Map<string, { revenue: number; orders: number }>();
  const unconverted: Record<string, number> = {};
  for (const r of finals) {
    const f = r.fields;
    if (r.view === 'eventflow.revenue') {
      const c = currencies.get(r.key) ?? {
        currency: r.key,
        total: 0,
        orders: 0,
        avgSum: 0,
        avgN: 0,
        windows: 0,
      };
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
        order_count: 0,
        by_currency: {},
      };
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
      const code = typeof f.currency === 'string' ? f.currency : 'XXX';
      const v = convert(num(f.revenue), code, money.currency, money.table);
      if (v === null) unconverted[code] = (unconverted[code] ?? 0) + num(f.revenue);
      else s.revenue += v;
      s.orders++;
      spend.set(user, s);
    }
  }
  const byKey = <T>(m: Map<string, T>) => [...m].sort((a, b) => cmp(a[0], b[0]));
  return {
    byView,
    currencies: byKey(currencies).map(([, c]) => c),
    trend: [...trend.values()].sort((a, b) => a.window_start - b.window_start),
    users: byKey(users).map(([user_id, u]) => ({ user_id, ...u })),
    spend: byKey(spend).map(([user_id, s]) => ({ user_id, ...s })),
    unconverted,
  };
}

export function analyzeResults(records: Iterable<ViewResult>, money: Money = DEFAULT_MONEY): BatchReport {
  return reportFrom(aggregateResults(records, money), money);
}

/** The report from a store's aggregates: conversions, rankings and segments, the same for every store. */
export function reportFrom(a: ReportAggregates, money: Money = DEFAULT_MONEY): BatchReport {
  const revenueTrend: TrendPoint[] = a.trend.map((t) => {
    const c = totalIn(t.by_currency, money);
    return { ...t, total_revenue: c.total, unconverted: c.unconverted };
  });

  // "Top" by what the revenue is worth, not by its number: 10,000 JPY is less than 100 USD.
  const topRevenueByCurrency = a.currencies
    .map((c) => ({
      currency: c.currency,
      total_revenue: c.total,
      total_revenue_converted: convert(c.total, c.currency, money.currency, money.table),
      order_count: c.orders,
      avg_order_value: c.orders ? c.total / c.orders : null,
      mean_window_avg_order_value: c.avgN ? c.avgSum / c.avgN : null,
      windows: c.windows,
    }))
    .sort(
      (x, y) =>
        (y.total_revenue_converted ?? -1) - (x.total_revenue_converted ?? -1) || cmp(x.currency, y.currency),
    );

  const conversionByUser = a.users
    .map((u) => ({
      user_id: u.user_id,
      views: u.views,
      orders: u.orders,
      conversion_rate_pct: u.views ? (u.orders / u.views) * 100 : null,
    }))
    .sort(
      (x, y) =>
        (y.conversion_rate_pct ?? -1) - (x.conversion_rate_pct ?? -1) ||
        y.orders - x.orders ||
        cmp(x.user_id, y.user_id),
    );

  const rules = segmentRules(money);
  const segments: Segment[] = rules.map(({ segment, rule }) => ({
    segment,
    rule,
    users: 0,
    orders: 0,
    revenue: 0,
    avg_revenue_per_user: null,
    avg_order_value: null,
  }));
  for (const s of a.spend) {
    const i = rules.findIndex((r) => r.test(s.revenue, s.orders));
    segments[i].users++;
    segments[i].orders += s.orders;
    segments[i].revenue += s.revenue;
  }
  for (const s of segments) {
    s.avg_revenue_per_user = s.users ? s.revenue / s.users : null;
    s.avg_order_value = s.orders ? s.revenue / s.orders : null;
  }

  const finals = Object.values(a.byView).reduce((x, y) => x + y, 0);
  return {
    input: { finals, byView: a.byView },
    currency: money.currency,
    rates: money.table,
    unconverted_order_revenue: a.unconverted,
    topRevenueByCurrency,
    conversionByUser,
    revenueTrend,
    segments,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

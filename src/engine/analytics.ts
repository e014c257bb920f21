import { resultId, type ViewResult } from '../events/results.js';
import { DEFAULT_MONEY, convert, totalIn, type Money, type RateTable } from '../events/currency.js';

/**
 * 002's batch analytics over stored results (what `rtap report` prints): top revenue by currency,
 * conversion rate per user, revenue trend, user segments. Reads the final records of eventflow.revenue,
 * eventflow.funnel and eventflow.orders; early records are ignored, and a record delivered twice
 * (at-least-once sinks) counts once, by its result id (view|key|window). Amounts of different currencies
 * are never added as they are: totals are converted into the reporting currency (docs/currency.md).
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
  input: { records: number; finals: number; byView: Record<string, number> };
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

export function analyzeResults(records: Iterable<ViewResult>, money: Money = DEFAULT_MONEY): BatchReport {
  const finals = new Map<string, ViewResult>();
  let count = 0;
  for (const r of records) {
    count++;
    if (r.emit === 'final') finals.set(resultId(r), r);
  }
  const byView: Record<string, number> = {};
  for (const r of finals.values()) byView[r.view] = (byView[r.view] ?? 0) + 1;

  const currencies = new Map<
    string,
    { total: number; orders: number; avgSum: number; avgN: number; windows: number }
  >();
  const trend = new Map<number, TrendPoint>();
  const users = new Map<string, { views: number; orders: number }>();
  const spend = new Map<string, { revenue: number; orders: number }>();
  const unconvertedOrders: Record<string, number> = {};
  for (const r of finals.values()) {
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
        total_revenue: null,
        order_count: 0,
        by_currency: {},
        unconverted: {},
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
      if (v === null) unconvertedOrders[code] = (unconvertedOrders[code] ?? 0) + num(f.revenue);
      else s.revenue += v;
      s.orders++;
      spend.set(user, s);
    }
  }
  for (const t of trend.values()) {
    const c = totalIn(t.by_currency, money);
    t.total_revenue = c.total;
    t.unconverted = c.unconverted;
  }

  // "Top" by what the revenue is worth, not by its number: 10,000 JPY is less than 100 USD.
  const topRevenueByCurrency = [...currencies]
    .map(([currency, c]) => ({
      currency,
      total_revenue: c.total,
      total_revenue_converted: convert(c.total, currency, money.currency, money.table),
      order_count: c.orders,
      avg_order_value: c.orders ? c.total / c.orders : null,
      mean_window_avg_order_value: c.avgN ? c.avgSum / c.avgN : null,
      windows: c.windows,
    }))
    .sort(
      (a, b) =>
        (b.total_revenue_converted ?? -1) - (a.total_revenue_converted ?? -1) || cmp(a.currency, b.currency),
    );

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
  for (const s of spend.values()) {
    const i = rules.findIndex((r) => r.test(s.revenue, s.orders));
    segments[i].users++;
    segments[i].orders += s.orders;
    segments[i].revenue += s.revenue;
  }
  for (const s of segments) {
    s.avg_revenue_per_user = s.users ? s.revenue / s.users : null;
    s.avg_order_value = s.orders ? s.revenue / s.orders : null;
  }

  return {
    input: { records: count, finals: finals.size, byView },
    currency: money.currency,
    rates: money.table,
    unconverted_order_revenue: unconvertedOrders,
    topRevenueByCurrency,
    conversionByUser,
    revenueTrend: [...trend.values()].sort((a, b) => a.window_start - b.window_start),
    segments,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

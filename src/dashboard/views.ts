/**
 * The one place that knows the engine's view and field names (docs/views.md): every read of a
 * ViewResult's `fields` goes through here, so a rename in the engine is a one-line fix. Field values are
 * untrusted JSON (they may come from a topic), so every accessor checks the type it expects.
 */
import type { FieldValue, ViewResult } from '../events/results.js';
import { totalIn, type Money } from '../events/currency.js';
import type { FunnelCounts, KpiRecord, Ranked, TileId, TrafficPoint } from './types.js';

export const VIEW = { realtime: 'realtime', business: 'business', kpis: 'kpis' } as const;

/** The global views the dashboard reads (all keyed ''). */
export const DASHBOARD_VIEWS: readonly string[] = [VIEW.realtime, VIEW.business, VIEW.kpis];

function num(v: FieldValue | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function obj(v: FieldValue | undefined): Record<string, FieldValue> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : null;
}

function numbers(v: FieldValue | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(obj(v) ?? {})) {
    const n = num(x);
    if (n !== null) out[k] = n;
  }
  return out;
}

/**
 * Revenue and average order value of a kpis result in the reporting currency: converted from its
 * per-currency split (the view's own `revenue` adds the amounts of all currencies as they are).
 */
export function kpiMoney(
  f: Record<string, FieldValue>,
  money: Money,
): { revenue: number | null; aov: number | null; unconverted: Record<string, number> } {
  const { total, unconverted } = totalIn(numbers(f.revenue_by_currency), money);
  const purchases = num(obj(f.funnel)?.purchase ?? null);
  return { revenue: total, aov: total !== null && purchases ? total / purchases : null, unconverted };
}

/** The KPI tiles: label, format and which view field feeds each. */
export const TILE_SOURCES: {
  id: TileId;
  label: string;
  format: 'rate' | 'count' | 'percent' | 'money';
  /** A falling value is the good news (bounces). */
  better?: 'down';
  view: string;
  read(f: Record<string, FieldValue>, money: Money): number | null;
}[] = [
  {
    id: 'page_views_per_sec',
    label: 'Page views / s',
    format: 'rate',
    view: VIEW.realtime,
    read: (f) => num(f.page_views_per_sec),
  },
  {
    id: 'active_users',
    label: 'Active users',
    format: 'count',
    view: VIEW.realtime,
    read: (f) => num(f.active_users),
  },
  {
    id: 'bounce_rate',
    label: 'Bounce rate',
    format: 'percent',
    better: 'down',
    view: VIEW.realtime,
    read: (f) => num(f.bounce_rate),
  },
  {
    id: 'conversion_rate',
    label: 'Conversion rate',
    format: 'percent',
    view: VIEW.business,
    read: (f) => num(f.conversion_rate),
  },
  {
    id: 'revenue',
    label: 'Revenue / min',
    format: 'money',
    view: VIEW.kpis,
    read: (f, money) => kpiMoney(f, money).revenue,
  },
  {
    id: 'aov',
    label: 'Avg order value',
    format: 'money',
    view: VIEW.kpis,
    read: (f, money) => kpiMoney(f, money).aov,
  },
];

export function trafficPoint(r: ViewResult): TrafficPoint {
  return {
    t: r.window_end,
    page_views_per_sec: num(r.fields.page_views_per_sec),
    events_per_sec: num(r.fields.events_per_sec),
    active_users: num(r.fields.active_users),
  };
}

/** Events per second a realtime result reports (the standalone dashboard's throughput estimate). */
export function eventsPerSec(r: ViewResult): number | null {
  return r.view === VIEW.realtime ? num(r.fields.events_per_sec) : null;
}

function ranked(v: FieldValue | undefined): Ranked[] {
  if (!Array.isArray(v)) return [];
  const out: Ranked[] = [];
  for (const item of v) {
    const o = obj(item);
    const views = num(o?.views);
    if (o && views !== null && o.key !== undefined && o.key !== null) out.push({ key: String(o.key), views });
  }
  return out;
}

export function topContent(r: ViewResult): { pages: Ranked[]; products: Ranked[] } {
  return { pages: ranked(r.fields.top_pages), products: ranked(r.fields.top_products) };
}

export function countries(r: ViewResult): { country: string; events: number }[] {
  const o = obj(r.fields.events_by_country) ?? {};
  return Object.entries(o)
    .map(([country, v]) => ({ country, events: num(v) ?? 0 }))
    .sort((a, b) => b.events - a.events || (a.country < b.country ? -1 : a.country > b.country ? 1 : 0));
}

export function kpiRecord(r: ViewResult, money: Money): KpiRecord {
  const f = r.fields;
  const fun = obj(f.funnel) ?? {};
  const counts = numbers(f.counts_by_type);
  const funnel: FunnelCounts = {
    // The shop funnel starts at product pages: the kpis view's own funnel.views counts every page view.
    product_views: counts.view_product ?? 0,
    add_to_cart: num(fun.add_to_cart) ?? 0,
    checkout: num(fun.checkout) ?? 0,
    purchase: num(fun.purchase) ?? 0,
  };
  const m = kpiMoney(f, money);
  return {
    window_start: r.window_start,
    window_end: r.window_end,
    emit: r.emit,
    events: num(f.events) ?? r.event_count,
    sessions: num(f.sessions),
    revenue: m.revenue,
    aov: m.aov,
    currency: money.currency,
    revenue_by_currency: numbers(f.revenue_by_currency),
    unconverted_revenue: m.unconverted,
    funnel,
    latency_p95_ms: num(f.latency_p95_ms),
    counts_by_type: counts,
  };
}

/**
 * Independent reference computations for the engine tests: the lateness/dedup rule replayed with plain
 * loops, then every view recomputed in batch over the accepted events (group by window and key, sort),
 * sharing no code with src/engine.
 */
import type { AnalyticsEvent } from '../../src/events/types.js';
import type { Arrival } from './stream.js';

export type Op = { op: 'tick'; wall: number } | { op: 'event'; a: Arrival };

/** The call sequence a pipeline would make: a tick every `tickMs` of wall time, events in arrival order. */
export function schedule(arrivals: Arrival[], tickMs: number): Op[] {
  const ops: Op[] = [];
  let nextTick = arrivals.length ? arrivals[0].wall : 0;
  for (const a of arrivals) {
    while (a.wall >= nextTick) {
      ops.push({ op: 'tick', wall: nextTick });
      nextTick += tickMs;
    }
    ops.push({ op: 'event', a });
  }
  return ops;
}

export interface Decisions {
  accepted: AnalyticsEvent[];
  late: AnalyticsEvent[];
  duplicates: AnalyticsEvent[];
}

/** Replays the lateness rule of DESIGN.md: late iff event time < min over active partitions (max ts - ooo) - lateness. */
export function decide(ops: Op[], ooo: number, lateness: number, idleMs: number, dedup = true): Decisions {
  const parts = new Map<string, { max: number; wall: number; active: boolean }>();
  let wm = -Infinity;
  let quietBase: number | null = null;
  const seen = new Set<string>();
  const out: Decisions = { accepted: [], late: [], duplicates: [] };
  const recompute = () => {
    const active = [...parts.values()].filter((p) => p.active);
    if (active.length) wm = Math.max(wm, Math.min(...active.map((p) => p.max - ooo)));
  };
  for (const o of ops) {
    if (o.op === 'tick') {
      for (const p of parts.values()) if (o.wall - p.wall >= idleMs) p.active = false;
      if (parts.size && [...parts.values()].every((p) => !p.active)) {
        quietBase ??= wm;
        const lastWall = Math.max(...[...parts.values()].map((p) => p.wall));
        wm = Math.max(wm, quietBase + Math.max(0, o.wall - lastWall - idleMs));
      } else {
        quietBase = null;
        recompute();
      }
      continue;
    }
    const e = o.a.event;
    const k = `${o.a.topic}:${o.a.partition}`;
    if (e.event_time < wm - lateness) out.late.push(e);
    else if (dedup && seen.has(e.event_id)) out.duplicates.push(e);
    else {
      seen.add(e.event_id);
      out.accepted.push(e);
    }
    const p = parts.get(k) ?? { max: -Infinity, wall: o.a.wall, active: true };
    p.max = Math.max(p.max, e.event_time);
    p.wall = o.a.wall;
    if (!p.active) quietBase = null;
    p.active = true;
    parts.set(k, p);
    recompute();
  }
  return out;
}

export interface RefResult {
  view: string;
  key: string;
  window_start: number;
  window_end: number;
  event_count: number;
  last_intended_send_time: number;
  fields: Record<string, unknown>;
}

// Each view reads one event family (docs/views.md): web analytics (page views, purchase conversions) for
// realtime/business/sessions/kpis, commerce (product views, order lines) for products/eventflow.
const isPage = (e: AnalyticsEvent) => e.event_type === 'page_view';
const isWebBuy = (e: AnalyticsEvent) => e.event_type === 'conversion' && e.conversion_type === 'purchase';
const isOrder = (e: AnalyticsEvent) => e.event_type === 'order';
const isProductView = (e: AnalyticsEvent) => e.event_type === 'product_view';
const money = (e: AnalyticsEvent) =>
  e.event_type === 'order'
    ? e.price * e.quantity
    : e.event_type === 'conversion' && e.conversion_type === 'purchase'
      ? e.revenue!
      : 0;
const cur = (e: AnalyticsEvent) => ('currency' in e ? e.currency : null) ?? 'XXX';
const product = (e: AnalyticsEvent) => ('product_id' in e ? e.product_id : null);
const div = (a: number, b: number) => (b === 0 ? null : a / b);
const step = (e: AnalyticsEvent) =>
  isPage(e)
    ? 'view'
    : e.event_type === 'conversion' && e.conversion_type !== 'signup'
      ? e.conversion_type
      : null;
function kind(e: AnalyticsEvent): string {
  switch (e.event_type) {
    case 'session':
      return 'session_' + e.action;
    case 'conversion':
      return e.conversion_type;
    case 'custom':
      return `custom:${e.name}`; // docs/views.md: custom events are custom:NAME
    case 'user_event':
      return e.action.toLowerCase();
    case 'product_view':
      return 'view_product';
    default:
      return e.event_type;
  }
}
function counts(xs: string[]): Record<string, number> {
  const o: Record<string, number> = {};
  for (const x of [...xs].sort()) o[x] = (o[x] ?? 0) + 1;
  return o;
}
function sums(pairs: [string, number][]): Record<string, number> {
  const o: Record<string, number> = {};
  for (const [k, v] of [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)))
    o[k] = (o[k] ?? 0) + v;
  return o;
}
function top(xs: string[], n: number) {
  return Object.entries(counts(xs))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([key, views]) => ({ key, views }));
}
const distinct = (xs: (string | null)[]) => new Set(xs.filter((x) => x !== null)).size;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Groups events into [start, start+size) windows stepping by `step`, per key. */
function group(
  events: AnalyticsEvent[],
  size: number,
  stepMs: number,
  key: (e: AnalyticsEvent) => string | null,
) {
  const g = new Map<string, { key: string; start: number; events: AnalyticsEvent[] }>();
  for (const e of events) {
    const k = key(e);
    if (k === null) continue;
    const last = Math.floor(e.event_time / stepMs) * stepMs;
    for (let s = last; s > e.event_time - size; s -= stepMs) {
      const id = `${k}|${s}`;
      if (!g.has(id)) g.set(id, { key: k, start: s, events: [] });
      g.get(id)!.events.push(e);
    }
  }
  return [...g.values()];
}

function result(
  view: string,
  key: string,
  start: number,
  end: number,
  es: AnalyticsEvent[],
  fields: Record<string, unknown>,
): RefResult {
  return {
    view,
    key,
    window_start: start,
    window_end: end,
    event_count: es.length,
    last_intended_send_time: Math.max(...es.map((e) => e.intended_send_time)),
    fields,
  };
}

export interface RefOptions {
  topN: number;
  sessionGapMs: number;
  journeyLimit: number;
  /** emitted_at of the engine's final for a result id (latency fields are measured to it). */
  emittedAt: (id: string) => number;
}

export function referenceResults(events: AnalyticsEvent[], o: RefOptions): RefResult[] {
  const out: RefResult[] = [];
  for (const w of group(events, 5000, 5000, () => '')) {
    const es = w.events;
    const ended = es.filter((e) => e.event_type === 'session' && e.action !== 'start') as Extract<
      AnalyticsEvent,
      { event_type: 'session' }
    >[];
    const views = es.filter(isPage).length;
    out.push(
      result('realtime', '', w.start, w.start + 5000, es, {
        events: es.length,
        events_per_sec: es.length / 5,
        page_views: views,
        page_views_per_sec: views / 5,
        active_users: distinct(es.map((e) => e.user_id)),
        sessions_ended: ended.length,
        bounce_rate: div(ended.filter((e) => e.page_count <= 1).length, ended.length),
        avg_session_duration_ms: div(sum(ended.map((e) => e.duration_ms)), ended.length),
      }),
    );
  }
  for (const w of group(events, 60_000, 60_000, () => '')) {
    const es = w.events;
    const buys = es.filter(isWebBuy);
    const users = distinct(es.map((e) => e.user_id));
    const buyers = distinct(buys.map((e) => e.user_id));
    const revenue = sum(buys.map(money));
    out.push(
      result('business', '', w.start, w.start + 60_000, es, {
        events: es.length,
        active_users: users,
        buyers,
        conversion_rate: div(buyers, users),
        purchases: buys.length,
        revenue,
        revenue_by_currency: sums(buys.map((e) => [cur(e), money(e)])),
        revenue_per_user: div(revenue, users),
        revenue_per_buyer: div(revenue, buyers),
        top_pages: top(
          es.flatMap((e) => (e.event_type === 'page_view' ? [e.page_url] : [])),
          o.topN,
        ),
        top_products: top(
          es.flatMap((e) => (e.event_type === 'product_view' ? [e.product_id] : [])),
          o.topN,
        ),
        events_by_country: counts(es.map((e) => e.country)),
      }),
    );
    const steps = es.map(step);
    const n = (s: string) => steps.filter((x) => x === s).length;
    const [v, c, k, p] = [n('view'), n('add_to_cart'), n('checkout'), n('purchase')];
    const emitted = o.emittedAt(`kpis||${w.start}|${w.start + 60_000}`);
    const lat = es.map((e) => emitted - e.intended_send_time).sort((a, b) => a - b);
    const pct = (q: number) => lat[Math.max(1, Math.ceil(q * lat.length)) - 1];
    out.push(
      result('kpis', '', w.start, w.start + 60_000, es, {
        events: es.length,
        sessions: distinct(es.map((e) => e.session_id)),
        counts_by_type: counts(es.map(kind)),
        funnel: {
          views: v,
          add_to_cart: c,
          checkout: k,
          purchase: p,
          view_to_cart: div(c, v),
          cart_to_checkout: div(k, c),
          checkout_to_purchase: div(p, k),
          view_to_purchase: div(p, v),
        },
        revenue,
        revenue_by_currency: sums(buys.map((e) => [cur(e), money(e)])),
        aov: div(revenue, p),
        latency_p50_ms: pct(0.5),
        latency_p95_ms: pct(0.95),
        latency_p99_ms: pct(0.99),
      }),
    );
  }
  const products = (view: string, size: number, stepMs: number) => {
    for (const w of group(events, size, stepMs, product)) {
      const es = w.events;
      const buys = es.filter(isOrder);
      const views = es.filter(isProductView).length;
      out.push(
        result(view, w.key, w.start, w.start + size, es, {
          product_id: w.key,
          views,
          add_to_cart: es.filter((e) => e.event_type === 'conversion' && e.conversion_type === 'add_to_cart')
            .length,
          purchases: buys.length,
          units: sum(buys.map((e) => (e.event_type === 'order' ? e.quantity : 1))),
          revenue: sum(buys.map(money)),
          unique_users: distinct(es.map((e) => e.user_id)),
          view_to_purchase: div(buys.length, views),
        }),
      );
    }
  };
  products('products.tumbling', 300_000, 300_000);
  products('products.hopping', 60_000, 10_000);
  for (const w of group(events, 300_000, 300_000, (e) => (isOrder(e) ? cur(e) : null))) {
    const r = sum(w.events.map(money));
    out.push(
      result('eventflow.revenue', w.key, w.start, w.start + 300_000, w.events, {
        currency: w.key,
        total_revenue: r,
        order_count: w.events.length,
        avg_order_value: r / w.events.length,
      }),
    );
  }
  for (const w of group(events, 300_000, 300_000, (e) =>
    isProductView(e) || isOrder(e) ? e.user_id : null,
  )) {
    out.push(
      result('eventflow.funnel', w.key, w.start, w.start + 300_000, w.events, {
        user_id: w.key,
        view_count: w.events.filter(isProductView).length,
        order_count: w.events.filter(isOrder).length,
      }),
    );
  }
  for (const e of events.filter(isOrder)) {
    const id =
      e.event_type === 'order' ? e.order_id : (e.event_type === 'conversion' && e.order_id) || e.event_id;
    const s = Math.floor(e.event_time / 300_000) * 300_000;
    out.push(
      result('eventflow.orders', id, s, s + 300_000, [e], {
        order_id: id,
        user_id: e.user_id,
        product_id: product(e),
        price: e.event_type === 'order' ? e.price : money(e),
        quantity: e.event_type === 'order' ? e.quantity : 1,
        revenue: money(e),
        currency: cur(e),
        user_type: e.user_type,
        timestamp: e.event_time,
      }),
    );
  }
  // Sessions: per user, events sorted by time; a gap of sessionGapMs or more starts a new session.
  const byUser = new Map<string, AnalyticsEvent[]>();
  for (const e of events) {
    if (e.event_type === 'session') continue;
    if (!byUser.has(e.user_id)) byUser.set(e.user_id, []);
    byUser.get(e.user_id)!.push(e);
  }
  for (const [user, es] of byUser) {
    es.sort((a, b) => a.event_time - b.event_time || (a.event_id < b.event_id ? -1 : 1));
    let cur: AnalyticsEvent[] = [];
    const flush = () => {
      const first = cur[0].event_time;
      const last = cur[cur.length - 1].event_time;
      const steps = new Set(cur.map(step));
      const names = ['view', 'add_to_cart', 'checkout', 'purchase'] as const;
      let depth = 0;
      while (depth < 4 && steps.has(names[depth])) depth++;
      const pages = cur.filter(isPage).length;
      const buys = cur.filter(isWebBuy);
      out.push(
        result('sessions', user, first, last + o.sessionGapMs, cur, {
          user_id: user,
          first_event_time: first,
          last_event_time: last,
          duration_ms: last - first,
          events: cur.length,
          page_depth: pages,
          bounced: pages <= 1,
          journey: cur
            .slice(0, o.journeyLimit)
            .map((e) =>
              e.event_type === 'page_view'
                ? e.page_url
                : e.event_type === 'product_view'
                  ? `product:${e.product_id}`
                  : kind(e),
            ),
          journey_truncated: cur.length > o.journeyLimit,
          funnel: {
            view: steps.has('view'),
            add_to_cart: steps.has('add_to_cart'),
            checkout: steps.has('checkout'),
            purchase: steps.has('purchase'),
          },
          funnel_depth: depth,
          purchases: buys.length,
          revenue: sum(buys.map(money)),
          converted: buys.length > 0,
        }),
      );
      cur = [];
    };
    for (const e of es) {
      if (cur.length && e.event_time - cur[cur.length - 1].event_time >= o.sessionGapMs) flush();
      cur.push(e);
    }
    flush();
  }
  return out;
}

/** Deep equality with a relative tolerance on numbers (sums added in a different order differ in the last bits). */
export function approxEqual(a: unknown, b: unknown, path = ''): string | null {
  if (typeof a === 'number' && typeof b === 'number') {
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)) ? null : `${path}: ${a} != ${b}`;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: length ${a.length} != ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = approxEqual(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.join() !== kb.join()) return `${path}: keys ${ka} != ${kb}`;
    for (const k of ka) {
      const d = approxEqual(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        `${path}.${k}`,
      );
      if (d) return d;
    }
    return null;
  }
  return Object.is(a, b) ? null : `${path}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`;
}

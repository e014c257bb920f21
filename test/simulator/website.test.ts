import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  AnalyticsEvent,
  ConversionEvent,
  OrderEvent,
  PageViewEvent,
  SessionEvent,
} from '../../src/events/types.js';
import { createGenerator, defaultSimulatorConfig, type SimulatorConfig } from '../../src/simulator/index.js';

const START = Date.UTC(2024, 0, 1);
const MIN = 60_000;

/** Events of a seeded run at one event every `gapMs` (no faults unless asked), warm-started for that rate. */
function events(overrides: Partial<SimulatorConfig>, n: number, gapMs: number): AnalyticsEvent[] {
  const g = createGenerator({ ...defaultSimulatorConfig(), warmStartRatePerSec: 1000 / gapMs, ...overrides });
  const out: AnalyticsEvent[] = [];
  for (let i = 0; i < n; i++) out.push(g.next(START + i * gapMs).event!);
  return out;
}

const isSession = (e: AnalyticsEvent, action: string): e is SessionEvent =>
  e.event_type === 'session' && e.action === action;

/** Events by session, for sessions whose start is in the stream (warm start begins some before it). */
function bySession(es: AnalyticsEvent[]): Map<string, AnalyticsEvent[]> {
  const m = new Map<string, AnalyticsEvent[]>();
  for (const e of es) {
    if (!e.session_id) continue;
    if (!m.has(e.session_id)) m.set(e.session_id, []);
    m.get(e.session_id)!.push(e);
  }
  for (const [id, s] of m) if (!isSession(s[0], 'start')) m.delete(id);
  return m;
}

/** Sessions whose start is in the stream before `before` and whose end or timeout is in the stream too. */
function completeSessions(es: AnalyticsEvent[], before: number): AnalyticsEvent[][] {
  return [...bySession(es).values()].filter(
    (s) =>
      isSession(s[0], 'start') &&
      s[0].event_time < before &&
      s.some((e) => isSession(e, 'end') || isSession(e, 'timeout')),
  );
}

const pages = (s: AnalyticsEvent[]) => s.filter((e): e is PageViewEvent => e.event_type === 'page_view');

test('bounce share and page depth follow their knobs', () => {
  const cfg = { bounceShare: 0.4, meanPagesPerSession: 5, sessionTimeoutMs: MIN };
  const es = events(cfg, 30000, 20);
  const sessions = completeSessions(es, START + 200_000);
  assert.ok(sessions.length > 700, `${sessions.length} sessions`);
  const depths = sessions.map((s) => pages(s).length);
  const bounce = depths.filter((d) => d === 1).length / depths.length;
  assert.ok(Math.abs(bounce - 0.4) < 0.06, `bounce share ${bounce}`);
  const deep = depths.filter((d) => d > 1);
  const mean = deep.reduce((a, b) => a + b, 0) / deep.length;
  assert.ok(Math.abs(mean - 5) < 0.6, `mean pages of non-bounce sessions ${mean}`);
  // Page depths count 1, 2, 3... within each session and the closing event reports the page count.
  for (const s of sessions) {
    assert.deepEqual(
      pages(s).map((p) => p.page_depth),
      depths[sessions.indexOf(s)] ? pages(s).map((_, i) => i + 1) : [],
    );
    const close = s.find((e) => isSession(e, 'end') || isSession(e, 'timeout')) as SessionEvent;
    assert.equal(close.page_count, pages(s).length);
    assert.equal(close.duration_ms, close.event_time - s[0].event_time);
  }
});

test('sessions are consistent journeys: one user and country, funnel steps in order, orders add up', () => {
  const es = events({ sessionTimeoutMs: MIN, addToCartRate: 0.4 }, 30000, 10);
  const currency: Record<string, string> = {
    US: 'USD',
    GB: 'GBP',
    DE: 'EUR',
    FR: 'EUR',
    ES: 'EUR',
    IT: 'EUR',
    NL: 'EUR',
    IN: 'INR',
    CA: 'CAD',
    JP: 'JPY',
    BR: 'BRL',
    AU: 'AUD',
  };
  let purchases = 0;
  for (const s of bySession(es).values()) {
    assert.equal(new Set(s.map((e) => e.user_id)).size, 1);
    assert.equal(new Set(s.map((e) => e.country)).size, 1);
    const viewed = new Set<string>();
    let carted = 0;
    let checkedOut = false;
    let purchase: ConversionEvent | null = null;
    const orders: OrderEvent[] = [];
    for (const e of s) {
      if (e.event_type === 'product_view') {
        const prev = s[s.indexOf(e) - 1] as PageViewEvent;
        assert.equal(prev.page_url, `/product/${e.product_id}`, 'a product view follows its product page');
        assert.equal(e.currency, currency[e.country]);
        viewed.add(e.product_id);
      }
      if (e.event_type === 'order') orders.push(e);
      if (e.event_type !== 'conversion') continue;
      if (e.conversion_type === 'add_to_cart') {
        assert.ok(viewed.has(e.product_id!), 'add_to_cart of a viewed product');
        carted++;
      }
      if (e.conversion_type === 'checkout') {
        assert.ok(carted > 0, 'checkout needs a cart');
        checkedOut = true;
      }
      if (e.conversion_type === 'purchase') {
        assert.ok(checkedOut, 'purchase follows checkout');
        assert.equal(e.currency, currency[e.country]);
        assert.ok(e.card_id && e.order_id);
        purchase = e;
      }
    }
    if (purchase && orders.length === carted) {
      purchases++;
      const total = orders.reduce((sum, o) => sum + o.price * o.quantity, 0);
      assert.ok(
        Math.abs(total - purchase.revenue!) < 0.011,
        `revenue ${purchase.revenue} vs order lines ${total}`,
      );
      assert.deepEqual(
        orders.map((o) => o.order_id),
        orders.map((_, i) => `${purchase!.order_id}-${i + 1}`),
      );
      for (const o of orders) assert.equal(o.card_id, purchase.card_id);
    }
  }
  assert.ok(purchases > 20, `${purchases} purchases checked`);
});

test('timeouts come after the configured inactivity and say how long the session was idle', () => {
  const timeout = 2 * MIN;
  const es = events({ sessionTimeoutMs: timeout }, 20000, 30);
  let n = 0;
  for (const s of bySession(es).values()) {
    const t = s.find((e) => isSession(e, 'timeout')) as SessionEvent | undefined;
    if (!t) continue;
    n++;
    const before = s[s.indexOf(t) - 1];
    assert.equal(t.idle_time_ms, t.event_time - before.event_time);
    assert.ok(t.idle_time_ms >= timeout, `idle ${t.idle_time_ms}`);
  }
  assert.ok(n > 100, `${n} timeouts`);
});

test('power users produce about powerTrafficShare of the sessions', () => {
  const es = events({ powerUserShare: 0.05, powerTrafficShare: 0.4, users: 4000 }, 40000, 5);
  const perUser = new Map<string, number>();
  for (const e of es) if (isSession(e, 'start')) perUser.set(e.user_id, (perUser.get(e.user_id) ?? 0) + 1);
  const counts = [...perUser.values()].sort((a, b) => b - a);
  const total = counts.reduce((a, b) => a + b, 0);
  const top = counts.slice(0, 200).reduce((a, b) => a + b, 0) / total; // 5 % of 4000 users
  assert.ok(top > 0.36 && top < 0.5, `top 5 % of users produce ${top} of sessions`);
});

test('popularity is skewed and electronics is a category', () => {
  const es = events({}, 30000, 5);
  const views = es.filter((e) => e.event_type === 'product_view');
  const perProduct = new Map<string, number>();
  for (const v of views) perProduct.set(v.product_id, (perProduct.get(v.product_id) ?? 0) + 1);
  const sorted = [...perProduct.values()].sort((a, b) => b - a);
  const top20 = sorted.slice(0, 20).reduce((a, b) => a + b, 0) / views.length;
  assert.ok(top20 > 0.4, `top 20 products get ${top20} of views`);
  assert.ok(views.some((v) => v.product_category === 'electronics'));
  const currencies = new Set(views.map((v) => v.currency));
  for (const c of ['USD', 'EUR', 'GBP']) assert.ok(currencies.has(c), c);
});

test('the high-value pattern occurs: premium LOGIN → electronics view → add_to_cart → checkout within 10 minutes', () => {
  const es = events({}, 40000, 5);
  let matches = 0;
  const state = new Map<string, { stage: number; at: number }>();
  for (const e of es) {
    const st = state.get(e.user_id);
    if (e.event_type === 'user_event' && e.action === 'LOGIN' && e.user_type === 'premium')
      state.set(e.user_id, { stage: 1, at: e.event_time });
    else if (!st || e.event_time - st.at > 10 * MIN) continue;
    else if (st.stage === 1 && e.event_type === 'product_view' && e.product_category === 'electronics')
      st.stage = 2;
    else if (st.stage === 2 && e.event_type === 'conversion' && e.conversion_type === 'add_to_cart')
      st.stage = 3;
    else if (st.stage === 3 && e.event_type === 'conversion' && e.conversion_type === 'checkout') {
      matches++;
      state.delete(e.user_id);
    }
  }
  assert.ok(matches >= 3, `${matches} matches`);
});

test('with a 6-minute session timeout, bounced sessions are abandoned after > 5 minutes idle within 15 minutes', () => {
  const es = events({ sessionTimeoutMs: 6 * MIN }, 40000, 20);
  let matches = 0;
  for (const s of bySession(es).values()) {
    if (!isSession(s[0], 'start')) continue;
    const pv = pages(s);
    const t = s.find((e) => isSession(e, 'timeout')) as SessionEvent | undefined;
    if (
      pv.length === 1 &&
      pv[0].page_depth === 1 &&
      t &&
      t.idle_time_ms > 5 * MIN &&
      t.event_time - s[0].event_time <= 15 * MIN
    )
      matches++;
  }
  assert.ok(matches > 50, `${matches} abandoned sessions`);
});

test('the fraud knob makes users purchase from several countries with several cards within minutes', () => {
  const purchasesOf = (fraudShare: number) => {
    const m = new Map<string, ConversionEvent[]>();
    for (const e of events({ fraudShare, addToCartRate: 0.4 }, 40000, 5)) {
      if (e.event_type !== 'conversion' || e.conversion_type !== 'purchase') continue;
      if (!m.has(e.user_id)) m.set(e.user_id, []);
      m.get(e.user_id)!.push(e);
    }
    let suspicious = 0;
    for (const ps of m.values()) {
      const hit = ps.some((p) => {
        const near = ps.filter((q) => Math.abs(q.event_time - p.event_time) <= 5 * MIN);
        return new Set(near.map((q) => q.country)).size >= 3 && new Set(near.map((q) => q.card_id)).size >= 3;
      });
      if (hit) suspicious++;
    }
    return suspicious;
  };
  assert.equal(purchasesOf(0), 0);
  assert.ok(purchasesOf(0.5) >= 5);
});

test('bounce spikes push single-page sessions above 80 % in the spike windows only', () => {
  const spike = { everyMs: 5 * MIN, durationMs: MIN, share: 0.95 };
  const es = events({ bounceShare: 0.3, bounceSpike: spike, sessionTimeoutMs: MIN }, 60000, 10);
  const windows = new Map<number, { sessions: number; bounces: number }>();
  for (const s of completeSessions(es, Infinity)) {
    const w = Math.floor((s[0].event_time - START) / MIN);
    const x = windows.get(w) ?? { sessions: 0, bounces: 0 };
    x.sessions++;
    if (pages(s).length === 1) x.bounces++;
    windows.set(w, x);
  }
  let spikes = 0;
  for (const [w, x] of windows) {
    if (x.sessions < 30) continue;
    const share = x.bounces / x.sessions;
    if (w % 5 === 4) {
      spikes++;
      assert.ok(share > 0.8, `spike minute ${w}: ${share}`);
    } else assert.ok(share < 0.6, `normal minute ${w}: ${share}`);
  }
  assert.ok(spikes >= 1);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnalyticsEvent } from '../../src/events/types.js';
import { createGenerator, defaultSimulatorConfig, type SimulatorConfig } from '../../src/simulator/index.js';

const START = Date.UTC(2024, 0, 1);

function events(overrides: Partial<SimulatorConfig>, n: number): AnalyticsEvent[] {
  const g = createGenerator({ ...defaultSimulatorConfig(), profile: 'eventflow', ...overrides });
  return Array.from({ length: n }, (_, i) => g.next(START + i * 100).event!);
}

test('the eventflow mix is 40 % user events, 40 % product views, 20 % orders (and configurable)', () => {
  const n = 30000;
  for (const mix of [
    { userEvents: 0.4, productViews: 0.4, orders: 0.2 },
    { userEvents: 1, productViews: 1, orders: 2 },
  ]) {
    const es = events({ mix }, n);
    const sum = mix.userEvents + mix.productViews + mix.orders;
    const share = (t: string) => es.filter((e) => e.event_type === t).length / n;
    // Standard error ~0.003: 4 sigma.
    assert.ok(
      Math.abs(share('user_event') - mix.userEvents / sum) < 0.012,
      `user events ${share('user_event')}`,
    );
    assert.ok(
      Math.abs(share('product_view') - mix.productViews / sum) < 0.012,
      `product views ${share('product_view')}`,
    );
    assert.ok(Math.abs(share('order') - mix.orders / sum) < 0.012, `orders ${share('order')}`);
  }
});

test('user events follow each user: SIGNUP once and first, then LOGIN and LOGOUT in turn', () => {
  const last = new Map<string, string>();
  for (const e of events({}, 30000)) {
    if (e.event_type !== 'user_event') continue;
    const prev = last.get(e.user_id);
    if (e.action === 'SIGNUP') assert.equal(prev, undefined, `${e.user_id} signs up once, first`);
    if (e.action === 'LOGIN')
      assert.ok(prev === undefined || prev === 'LOGOUT', `${e.user_id} LOGIN after ${prev}`);
    if (e.action === 'LOGOUT')
      assert.ok(prev === 'LOGIN' || prev === 'SIGNUP', `${e.user_id} LOGOUT after ${prev}`);
    last.set(e.user_id, e.action);
  }
});

test('power users produce about 40 % of events; popular products about 40 % of views; orders follow views', () => {
  const es = events({ users: 2000, powerUserShare: 0.05, powerTrafficShare: 0.4 }, 40000);
  const perUser = new Map<string, number>();
  for (const e of es) perUser.set(e.user_id, (perUser.get(e.user_id) ?? 0) + 1);
  const counts = [...perUser.values()].sort((a, b) => b - a);
  const top = counts.slice(0, 100).reduce((a, b) => a + b, 0) / es.length;
  assert.ok(top > 0.37 && top < 0.46, `top 5 % of users produce ${top}`);
  const views = es.filter((e) => e.event_type === 'product_view');
  const perProduct = new Map<string, number>();
  for (const v of views) perProduct.set(v.product_id, (perProduct.get(v.product_id) ?? 0) + 1);
  const top20 =
    [...perProduct.values()]
      .sort((a, b) => b - a)
      .slice(0, 20)
      .reduce((a, b) => a + b, 0) / views.length;
  assert.ok(top20 >= 0.4, `top 20 products get ${top20} of views`);
  const seen = new Map<string, Set<string>>();
  let fromView = 0;
  let orders = 0;
  for (const e of es) {
    if (e.event_type === 'product_view') {
      if (!seen.has(e.user_id)) seen.set(e.user_id, new Set());
      seen.get(e.user_id)!.add(e.product_id);
    } else if (e.event_type === 'order') {
      orders++;
      if (seen.get(e.user_id)?.has(e.product_id)) fromView++;
    }
  }
  assert.ok(fromView / orders > 0.5, `orders of viewed products ${fromView / orders}`);
});

test('orders carry realistic prices in several currencies', () => {
  const orders = events({}, 20000).filter((e) => e.event_type === 'order');
  const currencies = new Set(orders.map((o) => o.currency));
  for (const c of ['USD', 'EUR', 'GBP', 'JPY']) assert.ok(currencies.has(c), c);
  const usd = orders
    .filter((o) => o.currency === 'USD')
    .map((o) => o.price)
    .sort((a, b) => a - b);
  const median = usd[Math.floor(usd.length / 2)];
  assert.ok(median > 5 && median < 500, `median USD price ${median}`);
  assert.ok(orders.every((o) => o.quantity >= 1 && o.price > 0));
});

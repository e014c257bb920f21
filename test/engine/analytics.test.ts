import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeResults } from '../../src/engine/analytics.js';
import type { ViewResult } from '../../src/events/results.js';

const W = 300_000;
function r(
  view: string,
  key: string,
  start: number,
  fields: ViewResult['fields'],
  emit: 'final' | 'early' = 'final',
): ViewResult {
  return {
    view,
    key,
    window_start: start,
    window_end: start + W,
    emit,
    emitted_at: 0,
    watermark: 0,
    last_intended_send_time: 0,
    event_count: 1,
    fields,
  };
}
const order = (id: string, user: string, revenue: number) =>
  r('eventflow.orders', id, 0, { order_id: id, user_id: user, revenue, currency: 'USD' });

test('batch analytics of 002 over stored results: finals only, each result once', () => {
  const records = [
    r('eventflow.revenue', 'USD', 0, { total_revenue: 100, order_count: 2, avg_order_value: 50 }),
    r('eventflow.revenue', 'USD', 0, { total_revenue: 100, order_count: 2, avg_order_value: 50 }), // re-delivered
    r('eventflow.revenue', 'USD', W, { total_revenue: 30, order_count: 1, avg_order_value: 30 }),
    r('eventflow.revenue', 'EUR', 0, { total_revenue: 500, order_count: 1, avg_order_value: 500 }),
    r('eventflow.revenue', 'EUR', W, { total_revenue: 999, order_count: 9, avg_order_value: 111 }, 'early'), // ignored
    r('eventflow.funnel', 'a', 0, { view_count: 4, order_count: 1 }),
    r('eventflow.funnel', 'a', W, { view_count: 6, order_count: 2 }),
    r('eventflow.funnel', 'b', 0, { view_count: 0, order_count: 1 }),
    r('eventflow.funnel', 'c', 0, { view_count: 5, order_count: 0 }),
    order('o1', 'vip', 800),
    order('o2', 'vip', 300),
    order('o3', 'prem', 600),
    order('o4', 'reg', 100),
    order('o5', 'reg', 50),
    order('o6', 'new', 20),
    order('o6', 'new', 20), // duplicate delivery of the same order
  ];
  // A round table for hand arithmetic: 1 USD = 0.5 EUR, so 500 EUR is worth 1,000 USD.
  const rep = analyzeResults(records, {
    table: { base: 'USD', rates: { USD: 1, EUR: 0.5 } },
    currency: 'USD',
  });
  assert.deepEqual(
    rep.topRevenueByCurrency.map((c) => [
      c.currency,
      c.total_revenue,
      c.total_revenue_converted,
      c.order_count,
      c.avg_order_value,
      c.mean_window_avg_order_value,
      c.windows,
    ]),
    [
      ['EUR', 500, 1000, 1, 500, 500, 1],
      ['USD', 130, 130, 3, 130 / 3, 40, 2],
    ],
  );
  assert.deepEqual(
    rep.conversionByUser.map((u) => [u.user_id, u.views, u.orders, u.conversion_rate_pct]),
    [
      ['a', 10, 3, 30],
      ['c', 5, 0, 0],
      ['b', 0, 1, null],
    ],
  );
  assert.deepEqual(
    rep.revenueTrend.map((t) => [t.window_start, t.total_revenue, t.order_count, t.by_currency]),
    [
      [0, 100 + 1000, 3, { USD: 100, EUR: 500 }],
      [W, 30, 1, { USD: 30 }],
    ],
  );
  assert.deepEqual(
    rep.segments.map((s) => [s.segment, s.users, s.orders, s.revenue]),
    [
      ['VIP', 1, 2, 1100],
      ['Premium', 1, 1, 600],
      ['Regular', 1, 2, 150],
      ['New', 1, 1, 20],
    ],
  );
});

test('money of several currencies is converted before it is added: trend, top currencies and segments', () => {
  // 1,000 JPY is worth 10 USD at 100 JPY per USD: by its number it would top 100 USD, by its worth not.
  const money = { table: { base: 'USD', rates: { USD: 1, JPY: 100, EUR: 0.8 } }, currency: 'USD' };
  const records = [
    r('eventflow.revenue', 'JPY', 0, { total_revenue: 1000, order_count: 1, avg_order_value: 1000 }),
    r('eventflow.revenue', 'USD', 0, { total_revenue: 100, order_count: 1, avg_order_value: 100 }),
    r('eventflow.revenue', 'BRL', 0, { total_revenue: 50, order_count: 1, avg_order_value: 50 }),
    // A user spending 90,000 JPY (900 USD) and 200 EUR (250 USD): VIP in USD, not "90,200".
    r('eventflow.orders', 'o1', 0, { order_id: 'o1', user_id: 'u', revenue: 90_000, currency: 'JPY' }),
    r('eventflow.orders', 'o2', 0, { order_id: 'o2', user_id: 'u', revenue: 200, currency: 'EUR' }),
    r('eventflow.orders', 'o3', 0, { order_id: 'o3', user_id: 'v', revenue: 70_000, currency: 'JPY' }),
  ];
  const rep = analyzeResults(records, money);
  assert.equal(rep.currency, 'USD');
  assert.deepEqual(
    rep.topRevenueByCurrency.map((c) => [c.currency, c.total_revenue_converted]),
    [
      ['USD', 100],
      ['JPY', 10],
      ['BRL', null],
    ],
  );
  assert.deepEqual(
    rep.revenueTrend.map((t) => [t.total_revenue, t.unconverted]),
    [[110, { BRL: 50 }]],
  );
  const seg = Object.fromEntries(rep.segments.map((s) => [s.segment, s]));
  assert.deepEqual([seg.VIP.users, seg.VIP.revenue], [1, 900 + 250]);
  assert.deepEqual([seg.Premium.users, seg.Premium.revenue], [1, 700]);
  assert.match(seg.VIP.rule, /spend > 1,000\.00 USD/);

  // In EUR, 002's $1K threshold is 800 EUR, and spend is counted in EUR.
  const eur = analyzeResults(records, { ...money, currency: 'EUR' });
  const vip = eur.segments.find((s) => s.segment === 'VIP')!;
  assert.match(vip.rule, /spend > 800\.00 EUR/);
  assert.ok(Math.abs(vip.revenue - (900 + 250) * 0.8) < 1e-9);
});

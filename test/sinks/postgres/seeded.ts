/**
 * Seeded eventflow results for the postgres tests, made here (the real engine is tested on its own):
 * per 5-min window revenue per currency, views and orders per user, and raw orders, with the field shapes
 * the eventflow views produce. `redeliver` re-sends a share of results later with changed values, as a
 * restart after a change would: the last delivery of an identity is the one the table must hold.
 */
import type { ViewResult } from '../../../src/events/results.js';
import type { Output } from '../../../src/sinks/types.js';
import { mulberry32 } from '../../helpers/random.js';

const W = 300_000;
const CURRENCIES = ['USD', 'EUR', 'GBP', 'JPY'];

function result(view: string, key: string, start: number, fields: ViewResult['fields']): ViewResult {
  return {
    view,
    key,
    window_start: start,
    window_end: start + W,
    emit: 'final',
    emitted_at: start + W + 1000,
    watermark: start + W,
    last_intended_send_time: start + W - 1,
    event_count: 1,
    fields,
  };
}

export function seededEventflow(seed: number, windows: number, redeliver = 0): Output[] {
  const rnd = mulberry32(seed);
  const results: ViewResult[] = [];
  const base = 1_704_067_200_000;
  for (let w = 0; w < windows; w++) {
    const start = base + w * W;
    const users = new Map<string, { views: number; orders: number }>();
    const byCurrency = new Map<string, { total: number; n: number }>();
    const orders = 5 + Math.floor(rnd() * 20);
    for (let i = 0; i < orders; i++) {
      const user = `u${Math.floor(rnd() * 60)}`;
      const currency = CURRENCIES[Math.floor(rnd() * CURRENCIES.length)];
      const price = Math.round(rnd() * 100_000) / 100;
      const quantity = 1 + Math.floor(rnd() * 3);
      const id = `o-${w}-${i}`;
      results.push(
        result('eventflow.orders', id, start, {
          order_id: id,
          user_id: user,
          product_id: `p${Math.floor(rnd() * 30)}`,
          price,
          quantity,
          revenue: price * quantity,
          currency,
          user_type: rnd() < 0.2 ? 'premium' : 'regular',
          timestamp: start + Math.floor(rnd() * W),
        }),
      );
      const c = byCurrency.get(currency) ?? { total: 0, n: 0 };
      c.total += price * quantity;
      c.n++;
      byCurrency.set(currency, c);
      const u = users.get(user) ?? { views: 0, orders: 0 };
      u.orders++;
      users.set(user, u);
    }
    for (let i = 0; i < 30; i++) {
      const user = `u${Math.floor(rnd() * 60)}`;
      const u = users.get(user) ?? { views: 0, orders: 0 };
      u.views++;
      users.set(user, u);
    }
    for (const [cur, c] of byCurrency)
      results.push(
        result('eventflow.revenue', cur, start, {
          currency: cur,
          total_revenue: c.total,
          order_count: c.n,
          avg_order_value: c.total / c.n,
        }),
      );
    for (const [user, u] of users)
      results.push(
        result('eventflow.funnel', user, start, {
          user_id: user,
          view_count: u.views,
          order_count: u.orders,
        }),
      );
  }
  const outputs: Output[] = results.map((result) => ({ kind: 'result', result }));
  const again: Output[] = [];
  for (const r of results) {
    if (rnd() >= redeliver) continue;
    const f = { ...r.fields };
    if (r.view === 'eventflow.revenue') f.total_revenue = (f.total_revenue as number) + 1;
    else if (r.view === 'eventflow.funnel') f.view_count = (f.view_count as number) + 1;
    else f.revenue = (f.revenue as number) + 1;
    again.push({ kind: 'result', result: { ...r, fields: f, emitted_at: r.emitted_at + 5000 } });
  }
  // Other outputs the tables do not hold: an early result, another view, an alert.
  const other: Output[] = [
    { kind: 'result', result: { ...results[0], emit: 'early' } },
    { kind: 'result', result: { ...results[0], view: 'realtime', key: '' } },
    {
      kind: 'alert',
      alert: {
        alert_id: 'a1',
        pattern: 'p',
        severity: 'info',
        key: 'u1',
        message: 'm',
        events: [],
        first_event_time: base,
        last_event_time: base,
        detected_at: base,
        trigger_intended_send_time: base,
      },
    },
  ];
  return [...outputs, ...other, ...again];
}

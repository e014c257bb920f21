import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conversion, login, viewProduct } from './helpers.js';
import { createCep, parsePatterns } from '../../src/cep/index.js';
import type { Alert } from '../../src/events/results.js';

test('CEP buffers and binds only the fields its patterns read; its alerts are those of whole events', () => {
  // Held events are most of a checkpoint at 10k events/s: what no pattern reads must not be kept.
  const defs = parsePatterns(`NAME hv PATTERN (login A) -> (view_product B) -> (checkout C)
    WHERE A.user_type = 'premium' AND B.product_category = 'electronics' AND sum(C.revenue) > 5
    WITHIN 10 MINUTES MESSAGE 'user {A.user_id} in {B.country}'`);
  const alerts: Alert[] = [];
  const cep = createCep(defs, { alert: (a) => alerts.push(a) }, { autoWatermarkMs: 1000 });
  const evs = [
    login('u1', 0, 'premium'),
    viewProduct('u1', 1000, 'electronics'),
    conversion('checkout', 'u1', 2000),
  ];
  for (const e of evs) cep.process(e, 0);
  const snap = cep.snapshot();
  const held = [...Object.values(snap.events), ...snap.buffer.map((b) => b.event)];
  assert.ok(held.length >= 2, `${held.length} events held`);
  for (const e of held) {
    const fields = Object.keys(e).sort();
    // Read by the pattern (user_type, product_category, revenue, user_id, country), by eventKind
    // (event_type, action, conversion_type) and by alerts (event_id, event_time), intended_send_time.
    for (const f of fields)
      assert.ok(
        [
          'event_id',
          'event_type',
          'event_time',
          'intended_send_time',
          'action',
          'conversion_type',
          'user_id',
          'user_type',
          'product_category',
          'revenue',
          'country',
        ].includes(f),
        `held field ${f}`,
      );
    assert.ok(!('session_id' in e) && !('device' in e) && !('product_id' in e), fields.join(','));
  }
  cep.flush(0);
  assert.deepEqual(
    alerts.map((a) => [a.alert_id, a.message, a.events.map((x) => [x.event_id, x.kind, x.event_time])]),
    [
      [
        `hv:u1:${evs[0].event_id}:${evs[2].event_id}`,
        'user u1 in US',
        evs.map((e, i) => [e.event_id, ['login', 'view_product', 'checkout'][i], e.event_time]),
      ],
    ],
  );
});

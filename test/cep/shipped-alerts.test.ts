import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCep, defaultPatternDir, loadPatternFiles } from '../../src/cep/index.js';
import { createEngine, defaultEngineConfig } from '../../src/engine/index.js';
import type { Alert } from '../../src/events/results.js';
import { defaultSimulatorConfig, generateRecords } from '../../src/simulator/index.js';
import { conversion } from './helpers.js';

const MIN = 60_000;

/**
 * The documented knobs (docs/patterns.md, "Shipped alerts") make every shipped pattern and rule fire in one
 * seeded run: simulator → engine (views for the rules, watermark for the patterns) → CEP.
 */
test('with the documented simulator knobs every shipped alert fires in a seeded run', () => {
  const rate = 30;
  const config = {
    ...defaultSimulatorConfig(),
    seed: 7,
    sessionTimeoutMs: 6 * MIN, // session_abandonment: idle > 5 min within 15 min
    fraudShare: 0.3, // fraud_*: purchases from other countries and cards within minutes
    addToCartRate: 0.4, // enough purchases for the funnel and the fraud episodes
    bounceSpike: { everyMs: 10 * MIN, durationMs: MIN, share: 0.95 }, // high_bounce_rate
    warmStartRatePerSec: rate,
  };
  // traffic_anomaly and conversion_funnel_drop: a 4x burst of new sessions for 1 minute every 10.
  const schedule = {
    ratePerSec: rate,
    durationMs: 12 * MIN,
    profile: { kind: 'bursts' as const, everyMs: 10 * MIN, durationMs: MIN, factor: 4 },
  };
  const defs = loadPatternFiles([defaultPatternDir()]);
  const alerts: Alert[] = [];
  const warnings: string[] = [];
  const cep = createCep(defs, { alert: (a) => alerts.push(a), warn: (w) => warnings.push(w) });
  const engine = createEngine(defaultEngineConfig(), {
    emit: (r) => cep.onViewResult(r, r.emitted_at),
    late: () => {},
  });
  let offset = 0;
  for (const { record, intended } of generateRecords(config, schedule)) {
    if (!record.event) continue;
    engine.process(record.event, { topic: record.topic, partition: 0, offset: offset++ }, intended);
    cep.process(record.event, intended);
    cep.advanceWatermark(engine.watermark(), intended);
  }
  engine.drain(Infinity);
  cep.flush(0);
  assert.deepEqual(warnings, [], 'every rule finds its fields in the engine views');
  const fired = new Map<string, number>();
  for (const a of alerts) fired.set(a.pattern, (fired.get(a.pattern) ?? 0) + 1);
  for (const d of defs)
    assert.ok(
      (fired.get(d.name) ?? 0) > 0,
      `${d.name} did not fire (fired: ${JSON.stringify(Object.fromEntries(fired))})`,
    );
  // Each alert's events respect its pattern's window, and it names the event that completed it.
  for (const a of alerts) {
    const def = defs.find((d) => d.name === a.pattern)!;
    if (def.kind === 'sequence') {
      assert.ok(a.last_event_time - a.first_event_time < def.withinMs, a.alert_id);
      assert.ok(a.events.length >= def.elements.filter((e) => !e.negated).length, a.alert_id);
    }
    assert.ok(a.trigger_intended_send_time > 0, a.alert_id);
  }
});

test('cart_abandonment: a purchase after the first add_to_cart ends it; items added after the purchase alert on their own', () => {
  const defs = loadPatternFiles([defaultPatternDir()]).filter((d) => d.name === 'cart_abandonment');
  const alerts: Alert[] = [];
  const cep = createCep(defs, { alert: (a) => alerts.push(a) });
  const MIN_ = 60_000;
  // u1: cart, buy, cart (the reported u3057 case). u2: two carts, never buys. u3: cart, buys 31 min later.
  const evs = [
    conversion('add_to_cart', 'u1', 0, { event_id: 'u1-cart-1' }),
    conversion('add_to_cart', 'u2', 1000, { event_id: 'u2-cart-1' }),
    conversion('add_to_cart', 'u3', 2000, { event_id: 'u3-cart-1' }),
    conversion('purchase', 'u1', 5 * MIN_, { event_id: 'u1-buy' }),
    conversion('add_to_cart', 'u1', 10 * MIN_, { event_id: 'u1-cart-2' }),
    conversion('add_to_cart', 'u2', 12 * MIN_, { event_id: 'u2-cart-2' }),
    conversion('purchase', 'u3', 31 * MIN_ + 2000, { event_id: 'u3-buy' }),
  ];
  for (const e of evs) cep.process(e, 0);
  cep.advanceWatermark(2 * 3_600_000, 0);
  const got = alerts.map((a) => [a.key, a.events.map((e) => e.event_id)]);
  assert.deepEqual(got.sort(), [
    ['u1', ['u1-cart-2']],
    ['u2', ['u2-cart-1', 'u2-cart-2']],
    ['u3', ['u3-cart-1']],
  ]);
  assert.match(alerts.find((a) => a.key === 'u2')!.message, /added 2 item\(s\) .* bought nothing within 30m/);
});

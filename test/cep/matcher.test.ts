import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conversion, harness, login, pageView, session, viewProduct } from './helpers.js';
import { createCep, parsePatterns, type CepSnapshot } from '../../src/cep/index.js';
import type { Alert } from '../../src/events/results.js';

const MIN = 60_000;
const ids = (...xs: { event_id: string }[]) => xs.map((x) => x.event_id);
const match = (pairs: [string, { event_id: string }][]) =>
  pairs.map(([v, e]) => `${v}:${e.event_id}`).join(' ');

test('the reference high-value pattern matches a premium electronics journey with unrelated events in between', () => {
  const h = harness(`PATTERN (login A) -> (view_product B) -> (add_to_cart C) -> (checkout D)
    WHERE A.user_type = 'premium' AND B.product_category = 'electronics' WITHIN 10 MINUTES`);
  const a = login('u1', 0, 'premium');
  const b = viewProduct('u1', 1000, 'electronics');
  const c = conversion('add_to_cart', 'u1', 2000);
  const d = conversion('checkout', 'u1', 3000);
  const got = h.run([a, pageView('u1', 500), viewProduct('u1', 700, 'books'), b, pageView('u1', 1500), c, d]);
  assert.deepEqual(got, [
    match([
      ['A', a],
      ['B', b],
      ['C', c],
      ['D', d],
    ]),
  ]);
  // The books view is skipped (condition false), not taken: B is the electronics view.
  const regular = harness(
    `PATTERN (login A) -> (view_product B) WHERE A.user_type = 'premium' WITHIN 10 MINUTES`,
  );
  assert.deepEqual(regular.run([login('u2', 0), viewProduct('u2', 1)]), []);
});

test('strict contiguity (=>) needs the very next event of the key; relaxed (->) skips others', () => {
  const strict = `PATTERN (add_to_cart A) => (checkout B) WITHIN 1 MINUTE`;
  const a = conversion('add_to_cart', 'u', 0);
  const b = conversion('checkout', 'u', 20);
  assert.deepEqual(harness(strict).run([a, pageView('u', 10), b]), []);
  assert.deepEqual(harness(strict).run([a, b]), [
    match([
      ['A', a],
      ['B', b],
    ]),
  ]);
  // Events of other keys do not break a key's contiguity.
  assert.deepEqual(harness(strict).run([a, pageView('other', 10), b]), [
    match([
      ['A', a],
      ['B', b],
    ]),
  ]);
  const relaxed = `PATTERN (add_to_cart A) -> (checkout B) WITHIN 1 MINUTE`;
  assert.deepEqual(harness(relaxed).run([a, pageView('u', 10), b]), [
    match([
      ['A', a],
      ['B', b],
    ]),
  ]);
});

test('quantifiers: {2,3} takes at least 2 and at most 3, + loops, ? is optional', () => {
  const p = `PATTERN (add_to_cart A) -> (page_view B){2,3} -> (purchase C) WITHIN 1 MINUTE`;
  const a = conversion('add_to_cart', 'u', 0);
  const v = [1, 2, 3, 4].map((i) => pageView('u', i * 10, i));
  const c = conversion('purchase', 'u', 100);
  assert.deepEqual(harness(p).run([a, v[0], c]), [], 'one B is too few');
  assert.deepEqual(harness(p).run([a, v[0], v[1], c]), [
    match([
      ['A', a],
      ['B', v[0]],
      ['B', v[1]],
      ['C', c],
    ]),
  ]);
  // The fourth view cannot loop (max 3) and is not C: skipped.
  assert.deepEqual(harness(p).run([a, ...v, c]), [
    match([
      ['A', a],
      ['B', v[0]],
      ['B', v[1]],
      ['B', v[2]],
      ['C', c],
    ]),
  ]);

  const plus = `PATTERN (add_to_cart A) -> (page_view B)+ -> (purchase C) WITHIN 1 MINUTE`;
  assert.deepEqual(harness(plus).run([a, ...v, c]), [
    match([['A', a], ...v.map((x) => ['B', x] as [string, typeof x]), ['C', c]]),
  ]);

  const opt = `PATTERN (add_to_cart A) -> (page_view B)? -> (purchase C) WITHIN 1 MINUTE`;
  assert.deepEqual(harness(opt).run([a, c]), [
    match([
      ['A', a],
      ['C', c],
    ]),
  ]);
  assert.deepEqual(harness(opt).run([a, v[0], c]), [
    match([
      ['A', a],
      ['B', v[0]],
      ['C', c],
    ]),
  ]);
  // Quantifier written inside the parentheses means the same.
  assert.deepEqual(
    harness(`PATTERN (add_to_cart A) -> (page_view B{2}) -> (purchase C) WITHIN 1 MINUTE`).run([
      a,
      v[0],
      v[1],
      c,
    ]).length,
    1,
  );
});

test('WITHIN is half-open in event time: last event time < first + WITHIN', () => {
  const p = `PATTERN (add_to_cart A) -> (purchase B) WITHIN 10 SECONDS`;
  const a = conversion('add_to_cart', 'u', 1000);
  assert.equal(harness(p).run([a, conversion('purchase', 'u', 10_999)]).length, 1);
  assert.equal(harness(p).run([a, conversion('purchase', 'u', 11_000)]).length, 0);
});

test('absence at the end fires when the watermark passes the deadline, unless the forbidden event came first', () => {
  const p = `NAME abandon PATTERN (add_to_cart A) -> NOT (purchase P) WITHIN 30 MINUTES`;
  const a = conversion('add_to_cart', 'u', 0);
  const h = harness(p);
  h.run([a], 30 * MIN - 1);
  assert.equal(h.alerts.length, 0, 'not before the deadline');
  h.cep.advanceWatermark(30 * MIN, 0);
  assert.equal(h.alerts.length, 1);
  assert.deepEqual(
    h.alerts[0].events.map((e) => e.event_id),
    ids(a),
  );
  assert.equal(harness(p).run([a, conversion('purchase', 'u', 30 * MIN - 1)]).length, 0);
  // A purchase at the deadline is outside the window.
  assert.equal(harness(p).run([a, conversion('purchase', 'u', 30 * MIN)]).length, 1);
  // Another user's purchase does not count.
  assert.equal(harness(p).run([a, conversion('purchase', 'v', 10)]).length, 1);
});

test('absence in the middle: no forbidden event between its neighbours', () => {
  const p = `PATTERN (add_to_cart A) -> NOT (page_view X) -> (purchase C) WITHIN 1 MINUTE`;
  const a = conversion('add_to_cart', 'u', 0);
  const c = conversion('purchase', 'u', 50);
  assert.equal(harness(p).run([a, pageView('u', 10), c]).length, 0);
  assert.equal(harness(p).run([a, conversion('checkout', 'u', 10), c]).length, 1);
  // A page view before A is not between A and C.
  assert.equal(harness(p).run([pageView('u', -5), a, c]).length, 1);
});

test('conditions compare fields across variables, with arithmetic', () => {
  const p = `PATTERN (add_to_cart A) -> (purchase B) WHERE B.revenue > A.revenue * 2 WITHIN 1 MINUTE`;
  const a = conversion('add_to_cart', 'u', 0, { revenue: 10 });
  const small = conversion('purchase', 'u', 10, { revenue: 20 });
  const big = conversion('purchase', 'u', 20, { revenue: 21 });
  assert.deepEqual(harness(p).run([a, small, big]), [
    match([
      ['A', a],
      ['B', big],
    ]),
  ]);
});

test('session abandonment reference pattern: idle_time reads idle_time_ms, durations are milliseconds', () => {
  const p = `PARTITION BY session_id PATTERN (session_start A) -> (page_view B) -> (session_timeout C)
    WHERE B.page_depth = 1 AND C.idle_time > 5 MINUTES WITHIN 15 MINUTES`;
  const evs = [session('start', 'u', 0), pageView('u', 1000, 1)];
  assert.equal(harness(p).run([...evs, session('timeout', 'u', 10 * MIN, 5 * MIN + 1)]).length, 1);
  assert.equal(harness(p).run([...evs, session('timeout', 'u', 10 * MIN, 5 * MIN)]).length, 0);
});

test('after a match the key starts afresh (skip past last event): matches never share events', () => {
  const p = `PATTERN (add_to_cart A) -> (purchase B) WITHIN 1 MINUTE`;
  const a1 = conversion('add_to_cart', 'u', 0);
  const a2 = conversion('add_to_cart', 'u', 1);
  const b1 = conversion('purchase', 'u', 2);
  const b2 = conversion('purchase', 'u', 3);
  const a3 = conversion('add_to_cart', 'u', 4);
  const b3 = conversion('purchase', 'u', 5);
  // a1 (earliest start) wins; a2's partial match is discarded, so b2 matches nothing; a3 starts afresh.
  assert.deepEqual(harness(p).run([a1, a2, b1, b2, a3, b3]), [
    match([
      ['A', a1],
      ['B', b1],
    ]),
    match([
      ['A', a3],
      ['B', b3],
    ]),
  ]);
});

test('out-of-order arrival within the watermark gives the in-order result', () => {
  const p = `PATTERN (add_to_cart A) => (checkout B) => (purchase C) WITHIN 1 MINUTE`;
  const evs = [
    conversion('add_to_cart', 'u', 10),
    conversion('checkout', 'u', 20),
    conversion('purchase', 'u', 30),
  ];
  const inOrder = harness(p).run(evs);
  assert.equal(inOrder.length, 1);
  assert.deepEqual(harness(p).run([...evs].reverse()), inOrder);
});

test('late events (older than the watermark) are counted and not matched', () => {
  const h = harness(`PATTERN (add_to_cart A) -> (purchase B) WITHIN 1 MINUTE`);
  h.run([conversion('add_to_cart', 'u', 100)], 200);
  h.run([conversion('purchase', 'u', 150)], 300);
  assert.equal(h.alerts.length, 0);
  assert.equal(h.cep.stats().late, 1);
  // An event exactly at the watermark is not late.
  h.run([conversion('purchase', 'u', 300)], 400);
  assert.equal(h.alerts.length, 1);
});

test('aggregates are checked on the complete match: purchases from two countries', () => {
  const p = `PATTERN (purchase|order P){2,} WHERE distinct(P.country) >= 2 WITHIN 10 MINUTES`;
  const us1 = conversion('purchase', 'u', 0);
  const us2 = conversion('purchase', 'u', 10);
  const fr = conversion('purchase', 'u', 20, { country: 'FR' });
  assert.deepEqual(harness(p).run([us1, us2, fr]), [
    match([
      ['P', us1],
      ['P', us2],
      ['P', fr],
    ]),
  ]);
  assert.deepEqual(harness(p).run([us1, us2]), []);
});

test('message templates interpolate matched fields and functions', () => {
  const h =
    harness(`NAME m SEVERITY critical MESSAGE 'user {A.user_id} paid {B.revenue} {B.currency} after {fmt_duration(elapsed())}, {count(A)} add(s), key {key()}'
    PATTERN (add_to_cart A) -> (purchase B) WITHIN 10 MINUTES`);
  h.run([
    conversion('add_to_cart', 'u7', 0),
    conversion('purchase', 'u7', 90_000, { revenue: 12.5, currency: 'EUR' }),
  ]);
  const a: Alert = h.alerts[0];
  assert.equal(a.message, 'user u7 paid 12.5 EUR after 1m 30s, 1 add(s), key u7');
  assert.equal(a.severity, 'critical');
  assert.equal(a.pattern, 'm');
  assert.equal(a.key, 'u7');
  assert.equal(a.first_event_time, 0);
  assert.equal(a.last_event_time, 90_000);
  assert.equal(a.trigger_intended_send_time, 90_001, 'intended send time of the completing event');
});

test('snapshot and restore mid-stream continue exactly (through JSON)', () => {
  const text = `NAME a PATTERN (add_to_cart A)+ -> (checkout B) -> (purchase C) WITHIN 1 MINUTE
    NAME b PATTERN (add_to_cart A) -> NOT (purchase P) WITHIN 30 SECONDS`;
  const evs = [0, 5, 12, 20, 31, 40, 45, 70, 75, 80, 120].map((t, i) =>
    conversion(
      (['add_to_cart', 'add_to_cart', 'checkout', 'purchase'] as const)[i % 4],
      i % 3 ? 'u' : 'v',
      t * 1000,
    ),
  );
  const shuffled = [evs[1], evs[0], evs[2], evs[4], evs[3], evs[5], evs[7], evs[6], evs[8], evs[10], evs[9]];
  const run = (split: number | null, packAfterTouches?: number) => {
    const out: Alert[] = [];
    const defs = parsePatterns(text);
    const options = { autoWatermarkMs: 3000, packAfterTouches };
    let cep = createCep(defs, { alert: (a) => out.push(a) }, options);
    shuffled.forEach((e, i) => {
      if (i === split)
        cep = createCep(
          defs,
          { alert: (a) => out.push(a) },
          options,
          JSON.parse(JSON.stringify(cep.snapshot())) as CepSnapshot,
        );
      cep.process(e, 0);
    });
    cep.flush(0);
    return { alerts: out.map((a) => a.alert_id), stats: cep.stats() };
  };
  const whole = run(null);
  assert.ok(whole.alerts.length >= 2);
  for (let split = 1; split < shuffled.length; split++) {
    assert.deepEqual(run(split), whole, `split at ${split}`);
    // Keys packed at every chance (cep.ts packAfterTouches): snapshots carry some of them packed.
    assert.deepEqual(run(split, 1), whole, `split at ${split}, keys packed`);
  }
  assert.deepEqual(run(null, 1), whole, 'keys packed');
});

test('idle keys are packed and unpacked without changing a match; snapshots carry them packed', () => {
  const defs = parsePatterns(
    `NAME s PARTITION BY session_id PATTERN (add_to_cart A) -> (checkout B) -> (purchase C) WITHIN 10 MINUTES`,
  );
  const evs: ReturnType<typeof conversion>[] = [];
  for (let i = 0; i < 40; i++) evs.push(conversion('add_to_cart', `u${i}`, i * 10, { session_id: `s${i}` }));
  for (let i = 0; i < 40; i++)
    evs.push(conversion('checkout', `u${i}`, 1000 + i * 10, { session_id: `s${i}` }));
  for (let i = 0; i < 40; i += 2)
    evs.push(conversion('purchase', `u${i}`, 2000 + i * 10, { session_id: `s${i}` }));
  const runWith = (packAfterTouches: number | undefined, splitAt: number | null) => {
    const out: string[] = [];
    const options = { autoWatermarkMs: 0, packAfterTouches };
    let cep = createCep(defs, { alert: (a) => out.push(a.alert_id) }, options);
    let packed = 0;
    evs.forEach((e, i) => {
      if (i === splitAt) {
        const snap = JSON.parse(JSON.stringify(cep.snapshot())) as CepSnapshot;
        packed = snap.keys.filter((k) => k.packed !== undefined).length;
        cep = createCep(defs, { alert: (a) => out.push(a.alert_id) }, options, snap);
      }
      cep.process(e, 0);
    });
    const partial = cep.stats().partialMatches;
    cep.flush(0);
    return { out, packed, partial };
  };
  const plain = runWith(100_000, null);
  assert.equal(plain.out.length, 20);
  assert.equal(plain.partial, 20, 'the sessions without a purchase are still partial matches');
  for (const split of [null, 60, 90]) {
    const r = runWith(4, split);
    assert.deepEqual(r.out, plain.out, `packed after 4 touches, split at ${split}`);
    assert.equal(r.partial, 20);
    if (split !== null) assert.ok(r.packed > 10, `the snapshot at ${split} has packed keys: ${r.packed}`);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCep, parsePatterns } from '../../src/cep/index.js';
import { createEngine, defaultEngineConfig } from '../../src/engine/index.js';
import type { Alert } from '../../src/events/results.js';
import { newCounters } from '../../src/pipeline/counters.js';
import { TaskRuntime, type InputRecord } from '../../src/pipeline/task-runtime.js';
import { conversion, pageView } from '../cep/helpers.js';

/** One task runtime with the given patterns over JSON records of one partition. */
function runtimeWith(patterns: string) {
  const defs = parsePatterns(patterns, 'test.cep');
  const counters = newCounters();
  const rt = new TaskRuntime({
    name: 'test',
    createEngine: (hooks, snapshot) =>
      createEngine({ ...defaultEngineConfig(), views: ['realtime'], earlyIntervalMs: null }, hooks, snapshot),
    createCep: (hooks, snapshot) => createCep(defs, hooks, {}, snapshot),
    counters,
    warn: () => {},
  });
  let offset = 0;
  const feed = (events: object[]) =>
    rt.process(
      events.map((e): InputRecord => ({
        topic: 'website-analytics-events',
        partition: 0,
        offset: offset++,
        key: null,
        value: Buffer.from(JSON.stringify(e)),
      })),
      0,
    );
  const alerts = () =>
    rt
      .take()
      .outputs.filter((o) => o.kind === 'alert')
      .map((o) => (o as { alert: Alert }).alert);
  return { rt, feed, alerts, counters };
}

test('a re-sent event reaches CEP once: (purchase P){2,} does not fire on one purchase sent twice', () => {
  const { rt, feed, alerts, counters } = runtimeWith(`NAME twice PATTERN (purchase P){2,} WITHIN 10 MINUTES`);
  const p1 = conversion('purchase', 'u1', 1000, { event_id: 'p1' });
  feed([p1, p1, pageView('u9', 60_000)]);
  rt.drain(0);
  assert.deepEqual(alerts(), []);
  assert.equal(counters.duplicates, 1);
  const other = runtimeWith(`NAME twice PATTERN (purchase P){2,} WITHIN 10 MINUTES`);
  other.feed([p1, conversion('purchase', 'u1', 2000, { event_id: 'p2' })]);
  other.rt.drain(0);
  assert.deepEqual(
    other.alerts().map((a) => a.events.map((e) => e.event_id)),
    [['p1', 'p2']],
  );
});

test('a duplicate inside a partial match does not bind the same event twice', () => {
  const { rt, feed, alerts } = runtimeWith(
    `NAME carts PATTERN (add_to_cart A)+ -> NOT (purchase P) WITHIN 30 MINUTES`,
  );
  const a1 = conversion('add_to_cart', 'u5', 0, { event_id: 'a1' });
  const a2 = conversion('add_to_cart', 'u5', 5000, { event_id: 'a2' });
  feed([a1, a2, a2, conversion('add_to_cart', 'u5', 6000, { event_id: 'a3' })]);
  rt.drain(0);
  const got = alerts().map((a) => a.events.map((e) => e.event_id));
  assert.deepEqual(got, [['a1', 'a2', 'a3']]);
});

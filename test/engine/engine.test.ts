import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VIEW_NAMES, createEngine, defaultEngineConfig, type EngineConfig } from '../../src/engine/index.js';
import { resultId, type ViewResult } from '../../src/events/results.js';
import type { AnalyticsEvent } from '../../src/events/types.js';
import { approxEqual, decide, referenceResults, schedule, type Op } from './reference.js';
import { generateStream, type Arrival } from './stream.js';

function run(config: EngineConfig, ops: Op[], drainAt?: number) {
  const results: ViewResult[] = [];
  const late: AnalyticsEvent[] = [];
  const dups: AnalyticsEvent[] = [];
  const engine = createEngine(config, {
    emit: (r) => results.push(r),
    late: (e) => late.push(e),
    duplicate: (e) => dups.push(e),
  });
  for (const o of ops) {
    if (o.op === 'tick') engine.tick(o.wall);
    else engine.process(o.a.event, o.a, o.a.wall);
  }
  if (drainAt !== undefined) engine.drain(drainAt);
  return { engine, results, late, dups };
}

function config(over: Partial<EngineConfig> = {}): EngineConfig {
  return { ...defaultEngineConfig(), sessionGapMs: 60_000, ...over };
}

for (const seed of [1, 2, 3]) {
  test(`seed ${seed}: every view's finals equal the batch recomputation, window by window, with late and duplicate events`, () => {
    const arrivals = generateStream({
      seed,
      events: 30_000,
      users: 300,
      partitions: 4,
      outOfOrder: 0.2,
      disorderMs: 1500,
      late: 0.01,
      lateMs: 8000,
      duplicates: 0.02,
    });
    const cfg = config({
      earlyIntervalMs: seed === 2 ? null : 1000,
      earlyViews: seed === 3 ? [...VIEW_NAMES] : undefined,
    });
    const ops = schedule(arrivals, 250);
    const { results, late, dups, engine } = run(cfg, ops, arrivals.at(-1)!.wall + 1);
    const ref = decide(ops, cfg.outOfOrdernessMs, cfg.allowedLatenessMs, cfg.idleTimeoutMs);
    assert.ok(
      ref.late.length > 50 && ref.duplicates.length > 100,
      'the stream exercises the late and dedup paths',
    );
    assert.deepEqual(
      late.map((e) => e.event_id),
      ref.late.map((e) => e.event_id),
    );
    assert.deepEqual(dups.map((e) => e.event_id).sort(), ref.duplicates.map((e) => e.event_id).sort());
    const s = engine.stats();
    assert.equal(s.late, ref.late.length);
    assert.equal(s.duplicates, ref.duplicates.length);
    assert.equal(s.events, arrivals.length);

    const finals = new Map<string, ViewResult>();
    for (const r of results.filter((r) => r.emit === 'final')) {
      assert.ok(!finals.has(resultId(r)), `final emitted twice: ${resultId(r)}`);
      finals.set(resultId(r), r);
    }
    const expected = referenceResults(ref.accepted, {
      topN: cfg.topN,
      sessionGapMs: cfg.sessionGapMs,
      journeyLimit: 20,
      emittedAt: (id) => finals.get(id)?.emitted_at ?? NaN,
    });
    const byView = new Map<string, number>();
    for (const e of expected) byView.set(e.view, (byView.get(e.view) ?? 0) + 1);
    for (const view of [
      'realtime',
      'business',
      'kpis',
      'sessions',
      'products.tumbling',
      'products.hopping',
      'eventflow.orders',
      'eventflow.revenue',
      'eventflow.funnel',
    ]) {
      assert.ok((byView.get(view) ?? 0) > 0, `reference has ${view} windows`);
    }
    assert.equal(finals.size, expected.length, 'same number of final results');
    for (const e of expected) {
      const got = finals.get(resultId(e));
      assert.ok(got, `missing final ${resultId(e)}`);
      assert.equal(got.event_count, e.event_count, `${resultId(e)} event_count`);
      assert.equal(
        got.last_intended_send_time,
        e.last_intended_send_time,
        `${resultId(e)} last_intended_send_time`,
      );
      const diff = approxEqual(got.fields, e.fields, resultId(e));
      assert.equal(diff, null);
    }
    // Finals come after the horizon passed the window end (except on drain, and raw orders which never change).
    for (const r of finals.values()) {
      if (r.view === 'eventflow.orders' || r.emitted_at === arrivals.at(-1)!.wall + 1) continue;
      assert.ok(
        r.watermark - cfg.allowedLatenessMs >= r.window_end,
        `${resultId(r)} final before its window closed`,
      );
    }
  });
}

test('early results are current values of open windows and a final supersedes them', () => {
  const arrivals = generateStream({ seed: 9, events: 5000, users: 50, partitions: 2 });
  const { results } = run(config(), schedule(arrivals, 200), arrivals.at(-1)!.wall + 1);
  const early = results.filter((r) => r.emit === 'early' && r.view === 'realtime');
  assert.ok(early.length > 10);
  const finals = new Map(results.filter((r) => r.emit === 'final').map((r) => [resultId(r), r]));
  for (const r of early) {
    const f = finals.get(resultId(r));
    assert.ok(f, 'every early window is eventually final');
    assert.ok(r.emitted_at <= f.emitted_at);
    assert.ok(r.event_count <= f.event_count, 'an early result is a prefix of the final one');
  }
  // Early results only while the window is open: between its first event and its final.
  const ids = new Set(early.map(resultId));
  assert.ok(ids.size > 5);
});

test('a stream that goes quiet still emits its last windows once the idle timeout has passed', () => {
  const cfg = config({ earlyIntervalMs: null, views: ['realtime', 'kpis'] });
  const arrivals = generateStream({ seed: 4, events: 2000, users: 20, partitions: 3 });
  const { engine, results } = run(cfg, schedule(arrivals, 100));
  const lastTs = Math.max(...arrivals.map((a) => a.event.event_time));
  const lastWall = arrivals.at(-1)!.wall;
  const lastWindowEnd = Math.floor(lastTs / 5000) * 5000 + 5000;
  const finalOf = (end: number) =>
    results.find((r) => r.view === 'realtime' && r.window_end === end && r.emit === 'final');
  assert.equal(finalOf(lastWindowEnd), undefined, 'the last window is still open when the stream stops');
  // Quiet for less than the idle timeout: only partitions that were quiet already stop holding it back.
  engine.tick(lastWall + cfg.idleTimeoutMs - 1);
  assert.equal(finalOf(lastWindowEnd), undefined);
  const wmWhenQuiet = engine.watermark();
  assert.ok(wmWhenQuiet <= lastTs - cfg.outOfOrdernessMs);
  // Once every partition is idle the watermark moves on with wall time; the window closes when it passes end + lateness.
  const closesAt = lastWall + cfg.idleTimeoutMs + (lastWindowEnd + cfg.allowedLatenessMs - wmWhenQuiet);
  engine.tick(closesAt - 1);
  assert.equal(finalOf(lastWindowEnd), undefined);
  engine.tick(closesAt);
  assert.ok(finalOf(lastWindowEnd), 'the last 5 s window is final');
  engine.tick(closesAt + 120_000);
  assert.ok(
    results.some(
      (r) =>
        r.view === 'kpis' &&
        r.window_end === Math.floor(lastTs / 60000) * 60000 + 60000 &&
        r.emit === 'final',
    ),
  );
  assert.equal(engine.stats().openWindows, 0);
});

test('an idle partition stops holding the watermark back; an assigned silent one holds it until idle', () => {
  const cfg = config({ earlyIntervalMs: null, views: ['realtime'] });
  const results: ViewResult[] = [];
  const engine = createEngine(cfg, { emit: (r) => results.push(r), late: () => {} });
  engine.assign(
    [
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ],
    0,
  );
  const ev = (i: number, ts: number) => ({
    ...generateStream({ seed: 5, events: 1, users: 1, partitions: 1 })[0].event,
    event_id: `x${i}`,
    event_time: ts,
  });
  for (let i = 0; i < 10; i++)
    engine.process(ev(i, 1000 * i), { topic: 't', partition: 0, offset: i }, 100 * i);
  assert.equal(engine.watermark(), -Infinity, 'partition 1 has sent nothing: it holds the watermark');
  engine.tick(cfg.idleTimeoutMs - 1);
  assert.equal(engine.watermark(), -Infinity, 'not idle before the timeout');
  engine.tick(cfg.idleTimeoutMs);
  assert.equal(
    engine.watermark(),
    9000 - cfg.outOfOrdernessMs,
    "partition 1 idle: the watermark is partition 0's",
  );
  // Partition 1 wakes up behind: it cannot pull the watermark back, and its old event is late.
  const late: string[] = [];
  const e2 = createEngine(cfg, { emit: () => {}, late: (e) => late.push(e.event_id) }, engine.snapshot());
  e2.process(ev(99, 1000), { topic: 't', partition: 1, offset: 0 }, cfg.idleTimeoutMs + 1);
  assert.deepEqual(late, ['x99']);
  assert.equal(e2.watermark(), 9000 - cfg.outOfOrdernessMs);
});

test('invalid configuration is rejected with the field named', () => {
  const hooks = { emit: () => {}, late: () => {} };
  assert.throws(
    () => createEngine(config({ views: ['realtime', 'bogus'] }), hooks),
    /views: unknown view "bogus"/,
  );
  assert.throws(() => createEngine(config({ outOfOrdernessMs: -1 }), hooks), /outOfOrdernessMs/);
  assert.throws(() => createEngine(config({ sessionGapMs: 0 }), hooks), /sessionGapMs/);
  assert.throws(
    () => createEngine(config({ windows: { productsHoppingStep: 120_000 } }), hooks),
    /step 120000 ms must be within the window size 60000 ms/,
  );
  assert.throws(() => createEngine(config({ topN: 0 }), hooks), /topN/);
});

test('results do not depend on how partitions interleave: the same per-partition streams in another order give identical finals, floating-point sums included', () => {
  // In-order per partition (no late events): every interleaving is then a legal delivery of the same input.
  const arrivals = generateStream({ seed: 7, events: 20_000, users: 200, partitions: 4, outOfOrder: 0 });
  const byPartition = [0, 1, 2, 3].map((p) => arrivals.filter((a) => a.partition === p));
  const finalsOf = (order: Arrival[]) => {
    const results: ViewResult[] = [];
    const engine = createEngine(config({ earlyIntervalMs: null, idleTimeoutMs: 86_400_000 }), {
      emit: (r) => results.push(r),
      late: () => {},
      duplicate: () => {},
    });
    engine.assign(
      [0, 1, 2, 3].map((partition) => ({ topic: 'website-analytics-events', partition })),
      0,
    );
    for (const a of order) engine.process(a.event, a, 0);
    engine.drain(0);
    return results
      .filter((r) => r.emit === 'final')
      .map((r) => JSON.stringify({ ...r, emitted_at: 0, watermark: 0 }));
  };
  const arrival = finalsOf(arrivals);
  // Partition 3 first and whole, then 1, 0, 2: the tasks are created in another order.
  const reordered = finalsOf([...byPartition[3], ...byPartition[1], ...byPartition[0], ...byPartition[2]]);
  assert.ok(arrival.length > 100);
  assert.deepEqual([...reordered].sort(), [...arrival].sort());
});

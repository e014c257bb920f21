import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  VIEW_NAMES,
  createEngine,
  defaultEngineConfig,
  type Engine,
  type EngineConfig,
  type EngineSnapshot,
} from '../../src/engine/index.js';
import type { ViewResult } from '../../src/events/results.js';
import { schedule, type Op } from './reference.js';
import { mulberry32 as rng } from '../helpers/random.js';
import { generateStream } from './stream.js';
import { DenseHistogram } from '../../src/engine/histogram.js';
import { decode, encode } from '../../src/engine/serial.js';

interface Out {
  results: ViewResult[];
  late: string[];
  dups: string[];
}

function hooksFor(out: Out) {
  return {
    emit: (r: ViewResult) => out.results.push(r),
    late: (e: { event_id: string }) => out.late.push(e.event_id),
    duplicate: (e: { event_id: string }) => out.dups.push(e.event_id),
  };
}

function apply(engine: Engine, o: Op) {
  if (o.op === 'tick') engine.tick(o.wall);
  else engine.process(o.a.event, o.a, o.a.wall);
}

function runWithRestarts(cfg: EngineConfig, ops: Op[], cuts: Set<number>, end: number): Out {
  const out: Out = { results: [], late: [], dups: [] };
  let engine = createEngine(cfg, hooksFor(out));
  ops.forEach((o, i) => {
    if (cuts.has(i)) {
      // Through JSON text, as a checkpoint store would keep it.
      const snap = JSON.parse(JSON.stringify(engine.snapshot())) as EngineSnapshot;
      engine = createEngine(cfg, hooksFor(out), snap);
    }
    apply(engine, o);
  });
  engine.drain(end);
  return out;
}

for (const [seed, distinct] of [
  [11, 'exact'],
  [12, 'hll'],
] as const) {
  test(`seed ${seed} (${distinct} distinct): snapshot at random points, restore, continue: output identical to an uninterrupted run`, () => {
    const arrivals = generateStream({
      seed,
      events: 12_000,
      users: 150,
      partitions: 5,
      outOfOrder: 0.2,
      late: 0.01,
      lateMs: 6000,
      duplicates: 0.03,
    });
    const cfg: EngineConfig = {
      ...defaultEngineConfig(),
      sessionGapMs: 45_000,
      distinct,
      earlyViews: [...VIEW_NAMES],
    };
    const ops = schedule(arrivals, 300);
    const end = arrivals.at(-1)!.wall + 1;
    const baseline = runWithRestarts(cfg, ops, new Set(), end);
    assert.ok(
      baseline.results.filter((r) => r.emit === 'early').length > 100,
      'early results are part of the comparison',
    );
    assert.ok(baseline.late.length > 0 && baseline.dups.length > 0);
    const r = rng(seed);
    const cuts = new Set(Array.from({ length: 12 }, () => Math.floor(r() * ops.length)));
    const restarted = runWithRestarts(cfg, ops, cuts, end);
    assert.equal(restarted.results.length, baseline.results.length);
    assert.deepEqual(restarted.results, baseline.results);
    assert.deepEqual(restarted.late, baseline.late);
    assert.deepEqual(restarted.dups, baseline.dups);
  });
}

test('a snapshot from an engine with other views is refused with a clear message', () => {
  const a = createEngine(
    { ...defaultEngineConfig(), views: ['realtime'] },
    { emit: () => {}, late: () => {} },
  );
  assert.throws(
    () => createEngine(defaultEngineConfig(), { emit: () => {}, late: () => {} }, a.snapshot()),
    /taken with views \[realtime\]/,
  );
  assert.throws(
    () => createEngine(defaultEngineConfig(), { emit: () => {}, late: () => {} }, {} as EngineSnapshot),
    /not an rtap engine snapshot/,
  );
});

test('the snapshot is plain JSON: windows per input partition, sessions per co-partitioned task', () => {
  const arrivals = generateStream({ seed: 3, events: 2000, users: 40, partitions: 6 });
  const e = createEngine({ ...defaultEngineConfig(), tasks: 3 }, { emit: () => {}, late: () => {} });
  for (const a of arrivals) e.process(a.event, a, a.wall);
  const snap = e.snapshot();
  assert.deepEqual(JSON.parse(JSON.stringify(snap)), snap);
  assert.deepEqual(snap.tasks.map((t) => t.partition).sort(), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(snap.groups.map((g) => g.task).sort(), [0, 1, 2]);
  assert.deepEqual(snap.watermarks.partitions.map((p) => p.partition).sort(), [0, 1, 2, 3, 4, 5]);
});

test('a histogram is snapshotted as distances between its values; the older flat form still restores', () => {
  const h = new DenseHistogram();
  for (const t of [1_704_067_200_000, 1_704_067_200_003, 1_704_067_200_003]) h.add(t);
  const json = encode({ ist: h }) as { ist: { $gaps: number[] } };
  assert.deepEqual(json.ist, { $gaps: [1_704_067_200_000, 1, 3, 2] });
  const back = decode(json) as { ist: DenseHistogram };
  assert.deepEqual(back.ist.toPairs(), h.toPairs());
  const older = decode({ ist: { $flat: h.toFlat() } }) as { ist: DenseHistogram };
  assert.deepEqual(older.ist.toPairs(), h.toPairs());
});

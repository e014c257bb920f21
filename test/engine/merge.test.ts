import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine, defaultEngineConfig, type EngineConfig } from '../../src/engine/index.js';
import {
  EarlyPaneEncoder,
  encodePane,
  PaneMerger,
  type MergerSnapshot,
  type WirePane,
} from '../../src/engine/merge.js';
import type { Pane } from '../../src/engine/windowed.js';
import type { ViewResult } from '../../src/events/results.js';
import type { AnalyticsEvent } from '../../src/events/types.js';
import { schedule } from './reference.js';
import { generateStream, type Arrival } from './stream.js';

const TOPIC = 'website-analytics-events';
const PARTITIONS = [0, 1, 2, 3, 4, 5];

function config(over: Partial<EngineConfig> = {}): EngineConfig {
  return { ...defaultEngineConfig(), sessionGapMs: 60_000, earlyIntervalMs: null, ...over };
}

/** Results without the wall-clock fields, one string each, sorted: what two runs must agree on. */
const canonical = (rs: ViewResult[]) =>
  rs
    .filter((r) => r.emit === 'final')
    .map((r) => JSON.stringify({ ...r, emitted_at: 0, watermark: 0 }))
    .sort();

/** One engine over every partition, as `rtap process` runs without scale-out. */
function single(cfg: EngineConfig, arrivals: Arrival[]) {
  const results: ViewResult[] = [];
  const late: AnalyticsEvent[] = [];
  const engine = createEngine(cfg, { emit: (r) => results.push(r), late: (e) => late.push(e) });
  engine.assign(
    PARTITIONS.map((partition) => ({ topic: TOPIC, partition })),
    0,
  );
  for (const o of schedule(arrivals, 250)) {
    if (o.op === 'tick') engine.tick(o.wall);
    else engine.process(o.a.event, o.a, o.a.wall);
  }
  engine.drain(arrivals.at(-1)!.wall + 1);
  return { results, late };
}

/**
 * The scale-out shape: one engine per group of partitions, shipping panes through their wire encoding to
 * one merger, each followed by its horizon for its partitions; `restartAt` snapshots and restores the
 * merger midway (a merging task moving to another process).
 */
function split(cfg: EngineConfig, arrivals: Arrival[], groups: number[][], restartAt = -1) {
  return shipTo(cfg, arrivals, groups, { restartAt });
}

/**
 * split(), and with `early` the tasks' open panes for early results too, as task threads send them
 * (EarlyPanes: only what changed since the last interval), the merger emitting after every tick.
 */
function shipTo(
  cfg: EngineConfig,
  arrivals: Arrival[],
  groups: number[][],
  opts: { restartAt?: number; early?: boolean },
) {
  const restartAt = opts.restartAt ?? -1;
  const results: ViewResult[] = [];
  const late: AnalyticsEvent[] = [];
  const latePanes: string[] = [];
  const mergerHooks = {
    emit: (r: ViewResult) => results.push(r),
    latePane: (v: string, p: number, s: number) => latePanes.push(`${v}/${p}/${s}`),
  };
  let merger = new PaneMerger(cfg, PARTITIONS, mergerHooks);
  const engines = groups.map((partitions) => {
    // One per task thread, as TaskRuntime has.
    const early = new EarlyPaneEncoder();
    const engine = createEngine(cfg, {
      emit: (r) => results.push(r),
      late: (e) => late.push(e),
      pane: (view, partition, start, pane) =>
        merger.addPane(view, partition, start, JSON.parse(JSON.stringify(encodePane(pane)))),
      ...(opts.early
        ? {
            earlyPane: (
              view: string,
              partition: number,
              start: number,
              pane: Pane<unknown>,
              changed: string[],
            ) =>
              merger.earlyPane(
                view,
                partition,
                start,
                JSON.parse(JSON.stringify(early.encode(pane, changed))) as WirePane,
                changed,
              ),
          }
        : {}),
    });
    engine.assign(
      partitions.map((partition) => ({ topic: TOPIC, partition })),
      0,
    );
    return { engine, partitions };
  });
  const ownerOf = new Map(engines.flatMap((e) => e.partitions.map((p) => [p, e] as const)));
  const report = (e: (typeof engines)[number], wall: number) => {
    for (const p of e.partitions) merger.progress(p, e.engine.horizon(), true, wall);
  };
  let n = 0;
  for (const o of schedule(arrivals, 250)) {
    if (o.op === 'tick') {
      for (const e of engines) {
        e.engine.tick(o.wall);
        report(e, o.wall);
      }
      if (opts.early) merger.emitEarly(o.wall);
      continue;
    }
    const e = ownerOf.get(o.a.partition)!;
    e.engine.process(o.a.event, o.a, o.a.wall);
    report(e, o.a.wall);
    if (++n === restartAt) {
      const saved = JSON.parse(JSON.stringify(merger.snapshot())) as MergerSnapshot;
      merger = new PaneMerger(cfg, PARTITIONS, mergerHooks);
      merger.restore(saved);
    }
  }
  const end = arrivals.at(-1)!.wall + 1;
  for (const e of engines) {
    e.engine.drain(end);
    for (const p of e.partitions) merger.progress(p, Infinity, true, end);
  }
  return { results, late, latePanes };
}

/** 20,000 events over the partitions: out of order, 1 % late by 8 s, 2 % duplicated. */
const stream = (seed: number) =>
  generateStream({
    seed,
    events: 20_000,
    users: 300,
    partitions: PARTITIONS.length,
    outOfOrder: 0.2,
    disorderMs: 1500,
    late: 0.01,
    lateMs: 8000,
    duplicates: 0.02,
  });

test('one engine shipping panes to a merger emits exactly what one engine emits, late and duplicate events included', () => {
  const arrivals = stream(11);
  const cfg = config();
  const one = single(cfg, arrivals);
  const shipped = split(cfg, arrivals, [PARTITIONS]);
  assert.ok(one.late.length > 20, 'the stream exercises the late path');
  assert.deepEqual(
    shipped.late.map((e) => e.event_id),
    one.late.map((e) => e.event_id),
  );
  assert.deepEqual(shipped.latePanes, []);
  assert.ok(canonical(one.results).length > 500);
  assert.deepEqual(canonical(shipped.results), canonical(one.results));
});

test('three engines owning two partitions each, merged, emit what one engine over all partitions emits (floating-point sums included), also across a merger restore', () => {
  // Lateness is judged by each engine against the horizon of its own partitions, so the input keeps
  // every late event far behind every partition (8-16 s late, 2 s out-of-orderness, 1 s lateness).
  const arrivals = stream(12);
  const cfg = config();
  const one = single(cfg, arrivals);
  for (const restartAt of [-1, 7_000]) {
    const three = split(
      cfg,
      arrivals,
      [
        [0, 3],
        [1, 4],
        [2, 5],
      ],
      restartAt,
    );
    assert.deepEqual(three.latePanes, []);
    assert.deepEqual(three.late.map((e) => e.event_id).sort(), one.late.map((e) => e.event_id).sort());
    assert.deepEqual(canonical(three.results), canonical(one.results), `restart at ${restartAt}`);
  }
});

test('a pane that reaches the merger after a window covering it was emitted is reported, not merged', () => {
  const cfg = config({ views: ['realtime'] });
  const results: ViewResult[] = [];
  const late: string[] = [];
  const merger = new PaneMerger(cfg, [0, 1], {
    emit: (r) => results.push(r),
    latePane: (v, p, s, n) => late.push(`${v} p${p} pane ${s}: ${n} events`),
  });
  const slot = (n: number) =>
    encodePane(
      new Map([
        [
          '',
          {
            acc: {
              events: n,
              views: n,
              users: new Set(['u1']),
              sessionsEnded: 0,
              bounced: 0,
              durationSum: 0,
            },
            n,
            ist: 1,
            dirty: false,
          },
        ],
      ]),
    );
  merger.addPane('realtime', 0, 0, slot(2));
  merger.progress(0, 20_000, true, 0);
  // Partition 1 is idle: its horizon no longer holds the window back.
  merger.progress(1, -Infinity, false, 0);
  assert.equal(results.length, 1);
  assert.equal(results[0].event_count, 2);
  merger.addPane('realtime', 1, 0, slot(3));
  assert.deepEqual(late, ['realtime p1 pane 0: 3 events']);
  assert.throws(() => merger.addPane('sessions', 0, 0, slot(1)), /no windowed view "sessions"/);
});

/** Early results without the wall-clock fields, in emission order per window and key. */
const earlyOf = (rs: ViewResult[]) =>
  rs
    .filter((r) => r.emit === 'early')
    .map((r) => JSON.stringify({ ...r, emitted_at: 0, watermark: 0 }))
    .sort();

test("early results of shipped windows, merged from the tasks' open panes every interval, equal one engine's", () => {
  const arrivals = stream(13);
  const cfg = config({ earlyIntervalMs: 1000 });
  const one = single(cfg, arrivals);
  const three = shipTo(
    cfg,
    arrivals,
    [
      [0, 3],
      [1, 4],
      [2, 5],
    ],
    { early: true },
  );
  const expected = earlyOf(one.results);
  assert.ok(expected.length > 200, `the stream has early results: ${expected.length}`);
  assert.deepEqual(earlyOf(three.results), expected);
  assert.deepEqual(canonical(three.results), canonical(one.results));
});

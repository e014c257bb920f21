import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hopping, session, tumbling, windowsOf } from '../../src/engine/windows.js';
import { WindowedRuntime } from '../../src/engine/windowed.js';
import type { ViewSpec } from '../../src/engine/views/spec.js';
import type { EmitContext } from '../../src/engine/runtime.js';
import type { ViewResult } from '../../src/events/results.js';
import type { AnalyticsEvent } from '../../src/events/types.js';
import { mulberry32 as rng } from '../helpers/random.js';

test('window definitions validate their parameters with clear errors', () => {
  assert.throws(() => tumbling(0), /size must be a whole number of milliseconds >= 1, got 0/);
  assert.throws(() => tumbling(1.5), /got 1.5/);
  assert.throws(() => hopping(60_000, 0), /step must be/);
  assert.throws(() => hopping(60_000, 90_000), /step 90000 ms must be within the window size 60000 ms/);
  assert.throws(() => session(0), /inactivity gap must be/);
  assert.deepEqual(hopping(5000, 5000), { kind: 'tumbling', sizeMs: 5000 });
  assert.deepEqual(windowsOf(hopping(60, 20), 45), [
    [0, 60],
    [20, 80],
    [40, 100],
  ]);
  assert.deepEqual(windowsOf(tumbling(10), -3), [[-10, 0]]);
});

/** Counts events and records every add: proves an event is aggregated once, not once per window. */
function countingSpec(adds: { n: number }): ViewSpec<{ n: number; ids: string[] }> {
  return {
    name: 'count',
    window: tumbling(1),
    key: (e) => e.user_id,
    create: () => ({ n: 0, ids: [] }),
    add: (a, e) => {
      adds.n++;
      a.n++;
      a.ids.push(e.event_id);
    },
    merge: (a, b) => {
      a.n += b.n;
      a.ids.push(...b.ids);
    },
    result: (a) => ({ n: a.n, ids: [...a.ids].sort() }),
  };
}

for (const [size, step] of [
  [60, 20],
  [50, 15],
  [30, 30],
  [100, 7],
]) {
  test(`hopping ${size}/${step} over panes: every window equals the naive per-window count; each event added once`, () => {
    const adds = { n: 0 };
    const rt = new WindowedRuntime(countingSpec(adds), hopping(size, step));
    const tasks = [rt.newTask(), rt.newTask(), rt.newTask()];
    const out: ViewResult[] = [];
    const ctx: EmitContext = { wallNow: 0, watermark: 0, emit: (r) => out.push(r) };
    const r = rng(size * step);
    const events: AnalyticsEvent[] = [];
    let t = 1000;
    for (let i = 0; i < 3000; i++) {
      t += Math.floor(r() * 4);
      const ts = t - Math.floor(r() * 10); // some disorder, bounded by 10
      const e = {
        event_id: `e${i}`,
        user_id: `u${i % 3}`,
        event_time: ts,
        intended_send_time: ts,
      } as AnalyticsEvent;
      events.push(e);
      rt.add(tasks[i % 3], e, e.user_id);
      if (i % 50 === 0) rt.fire(t - 10, tasks, ctx);
    }
    rt.fire(Infinity, tasks, ctx);
    assert.equal(adds.n, events.length, 'one add per event');
    const expected = new Map<string, string[]>();
    for (const e of events) {
      for (const [s, end] of windowsOf(hopping(size, step), e.event_time)) {
        const id = `${e.user_id}|${s}|${end}`;
        expected.set(id, [...(expected.get(id) ?? []), e.event_id]);
      }
    }
    assert.equal(out.length, expected.size);
    for (const res of out) {
      assert.deepEqual(
        res.fields.ids,
        expected.get(`${res.key}|${res.window_start}|${res.window_end}`)!.sort(),
      );
    }
    assert.equal(rt.openWindows(), 0, 'all pane state released');
  });
}

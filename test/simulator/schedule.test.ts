import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSchedule, type ScheduleOptions } from '../../src/simulator/index.js';

function offsets(o: ScheduleOptions): number[] {
  const s = createSchedule(o);
  const out: number[] = [];
  for (let x = s.next(); x !== null; x = s.next()) out.push(x);
  return out;
}

test('a constant rate gives exactly i × 1000 / rate, bounded by events or duration', () => {
  const xs = offsets({ ratePerSec: 200, events: 1000 });
  assert.equal(xs.length, 1000);
  xs.forEach((x, i) => assert.equal(x, i * 5));
  assert.equal(offsets({ ratePerSec: 200, durationMs: 10_000 }).length, 2000);
  assert.equal(offsets({ ratePerSec: 300, durationMs: 10_000, events: 50 }).length, 50);
});

test('a ramp schedules the integral of its rate', () => {
  // 100/s → 300/s over 10 s: 2000 events in the ramp, then 300/s.
  const xs = offsets({
    ratePerSec: 300,
    durationMs: 12_000,
    profile: { kind: 'ramp', fromPerSec: 100, toPerSec: 300, overMs: 10_000 },
  });
  const inRamp = xs.filter((x) => x < 10_000).length;
  assert.ok(Math.abs(inRamp - 2000) <= 2, `${inRamp} in the ramp`);
  assert.ok(Math.abs(xs.length - inRamp - 600) <= 2);
  for (let i = 1; i < xs.length; i++) assert.ok(xs[i] > xs[i - 1]);
});

test('steps hold each rate for its duration; bursts multiply the rate inside their window', () => {
  const steps = offsets({
    ratePerSec: 1,
    durationMs: 3000,
    profile: {
      kind: 'steps',
      steps: [
        { ratePerSec: 100, durationMs: 1000 },
        { ratePerSec: 400, durationMs: 1000 },
      ],
    },
  });
  const count = (xs: number[], a: number, b: number) => xs.filter((x) => x >= a && x < b).length;
  assert.ok(Math.abs(count(steps, 0, 1000) - 100) <= 1);
  assert.ok(Math.abs(count(steps, 1000, 2000) - 400) <= 1);
  assert.ok(Math.abs(count(steps, 2000, 3000) - 400) <= 1, 'the last step holds');
  const bursts = offsets({
    ratePerSec: 100,
    durationMs: 20_000,
    profile: { kind: 'bursts', everyMs: 10_000, durationMs: 2000, factor: 5 },
  });
  assert.ok(Math.abs(count(bursts, 0, 8000) - 800) <= 2);
  assert.ok(Math.abs(count(bursts, 8000, 10_000) - 1000) <= 2);
});

test('a rate function (the bench load shapes) drives the schedule', () => {
  const xs = offsets({ ratePerSec: 100, durationMs: 2000, rateAt: (t) => (t < 1000 ? 50 : 200) });
  assert.ok(Math.abs(xs.filter((x) => x < 1000).length - 50) <= 1);
  assert.ok(Math.abs(xs.filter((x) => x >= 1000).length - 200) <= 1);
});

test('bad pacing options are rejected naming the problem', () => {
  assert.throws(() => createSchedule({ ratePerSec: 0 }), /ratePerSec must be a positive number/);
  assert.throws(() => createSchedule({ ratePerSec: 10, durationMs: -3 }), /durationMs must be positive/);
  assert.throws(() => createSchedule({ ratePerSec: 10, events: 1.5 }), /events must be an integer/);
  assert.throws(
    () => createSchedule({ ratePerSec: 10, profile: { kind: 'steps', steps: [] } }),
    /at least one step/,
  );
  assert.throws(
    () =>
      createSchedule({ ratePerSec: 10, profile: { kind: 'bursts', everyMs: 10, durationMs: 20, factor: 2 } }),
    /durationMs <= everyMs/,
  );
});

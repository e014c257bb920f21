import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WatermarkTracker } from '../../src/engine/watermark.js';

const IDLE = 5_000;

function twoPartitions() {
  const wm = new WatermarkTracker(0, IDLE);
  const a = wm.clock('t', 0, 0);
  const b = wm.clock('t', 1, 0);
  wm.observe(a, 1_000, 0);
  wm.observe(b, 500, 0);
  return { wm, a, b };
}

test('a quiet partition without unread records goes idle after the idle timeout and stops holding the watermark', () => {
  const { wm, a } = twoPartitions();
  assert.equal(wm.watermark(), 500);
  wm.observe(a, 2_000, 4_000);
  wm.tick(6_000, new Set());
  assert.equal(wm.watermark(), 2_000, 'b is caught up and quiet for 6 s: idle');
});

test('a partition with unread records is never idle, whatever the wall clock says', () => {
  const { wm, a, b } = twoPartitions();
  wm.observe(a, 2_000, 4_000);
  wm.tick(60_000, new Set(['t/1']));
  assert.equal(wm.watermark(), 500, 'b still has records to read: it holds the watermark');
  assert.equal(b.active, true);
  // Once read up and quiet for the idle timeout, it goes idle.
  wm.tick(61_000, new Set());
  assert.equal(b.active, true, 'idleness counts from the last moment it was behind');
  wm.tick(65_000, new Set());
  assert.equal(b.active, false);
});

test("'all' (the broker does not answer) keeps every partition active and the watermark where it is", () => {
  const { wm, a, b } = twoPartitions();
  wm.tick(60_000, 'all');
  assert.equal(wm.watermark(), 500);
  assert.ok(a.active && b.active);
  // Without knowing, the whole stream is not taken for quiet: no wall-clock advance either.
  wm.tick(120_000, 'all');
  assert.equal(wm.watermark(), 500);
});

test('a partition that went idle and then shows unread records holds the watermark again (from where it stands)', () => {
  const { wm, a, b } = twoPartitions();
  wm.observe(a, 2_000, 4_000);
  wm.tick(6_000, new Set());
  assert.equal(b.active, false);
  assert.equal(wm.watermark(), 2_000);
  wm.tick(6_100, new Set(['t/1']));
  assert.equal(b.active, true);
  wm.observe(a, 9_000, 6_200);
  assert.equal(wm.watermark(), 2_000, 'b is behind again: the watermark waits for it (it never goes back)');
});

test('without backlog knowledge idleness goes by the wall clock alone', () => {
  const { wm } = twoPartitions();
  wm.tick(6_000);
  // Both quiet for 6 s: the stream is quiet and event time moves on with the wall clock after the timeout.
  wm.tick(8_000);
  assert.ok(wm.watermark() > 1_000, `${wm.watermark()}`);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BacklogWatch } from '../../src/pipeline/backlog.js';
import type { Clock } from '../../src/time/clock.js';
import type { PartitionBacklog } from '../../src/transport/types.js';

const flush = () => new Promise((r) => setImmediate(r));

test('an answer is as old as its question: one asked before a stall and read after it says nothing about now', async () => {
  let t = 1_000_000;
  const clock: Clock = { now: () => t, sleep: async () => {} };
  let reply: (b: PartitionBacklog[]) => void = () => {};
  const watch = new BacklogWatch(() => new Promise<PartitionBacklog[]>((r) => (reply = r)), clock, {
    intervalMs: 1000,
    staleMs: 5000,
  });
  const caughtUp: PartitionBacklog[] = [
    { topic: 'events', partition: 0, unread: 0 },
    { topic: 'events', partition: 1, unread: 0 },
  ];
  watch.poll();
  reply(caughtUp);
  await flush();
  assert.deepEqual(watch.unread(), new Set(), 'a prompt answer: both partitions caught up');

  // Asked, then the process stops for 40 s (SIGSTOP) while the broker's answer waits in the socket.
  t += 1000;
  watch.poll();
  t += 40_000;
  reply(caughtUp);
  await flush();
  assert.equal(
    watch.unread(),
    'all',
    'the answer describes the log of 40 s ago: every partition counts as unread',
  );

  // The next question, asked after the stall, is fresh again.
  watch.poll();
  reply([
    { topic: 'events', partition: 0, unread: 900 },
    { topic: 'events', partition: 1, unread: 0 },
  ]);
  await flush();
  assert.deepEqual(watch.unread(), new Set(['events/0']));
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KafkaTransport } from '../../../src/transport/kafka/index.js';
import type { ConsumedRecord, TopicPartition } from '../../../src/transport/types.js';
import { consumeUntil, transport, uniqueTopic } from './helpers.js';

let t: KafkaTransport;
before(() => {
  t = transport();
});
after(async () => {
  await t.close();
});

async function topicWith(prefix: string, partitions: number, n: number): Promise<string> {
  const topic = uniqueTopic(prefix);
  await t.admin().createTopics([{ name: topic, partitions, replicationFactor: 1, config: {} }]);
  const p = t.producer();
  await p.send(topic, Array.from({ length: n }, (_, i) => ({ key: `k${i % 37}`, value: Buffer.from(String(i)) })));
  await p.close();
  return topic;
}

test('a restarted group member continues from the committed offsets: no gap, no repeat', async () => {
  const topic = await topicWith('commit', 4, 4000);
  const groupId = uniqueTopic('g');
  // First member: commits only what it fully handled, stops after about half.
  const first = await consumeUntil(t.consumer({ groupId, topics: [topic], fromBeginning: true }), (r) => r.length >= 2000, 60_000);
  const second = await consumeUntil(t.consumer({ groupId, topics: [topic], fromBeginning: true }), (r) => first.length + r.length >= 4000, 60_000);
  const all = [...first, ...second].map((r) => Number(r.value.toString()));
  assert.equal(all.length, 4000, 'every record exactly once across the two members');
  assert.deepEqual([...new Set(all)].sort((a, b) => a - b), Array.from({ length: 4000 }, (_, i) => i));
  await t.admin().deleteTopics([topic]);
});

test('a paused partition delivers nothing until resumed', async () => {
  const topic = await topicWith('pause', 2, 400);
  const c = t.consumer({ groupId: uniqueTopic('g'), topics: [topic], fromBeginning: true });
  const seen: ConsumedRecord[] = [];
  let resumedAt = -1;
  c.pause([{ topic, partition: 0 }]);
  const run = c.run(async (b) => {
    seen.push(...b.records);
    const p1 = seen.filter((r) => r.partition === 1).length;
    if (resumedAt < 0 && p1 > 0 && b.partition === 1 && b.records[b.records.length - 1].offset + 1 >= b.highWatermark) {
      resumedAt = seen.length;
      // Give the paused partition a chance to (wrongly) deliver before resuming.
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(seen.filter((r) => r.partition === 0).length, 0, 'paused partition delivered');
      c.resume([{ topic, partition: 0 }]);
    }
    if (seen.length >= 400) void c.stop();
  });
  await run;
  assert.ok(resumedAt > 0);
  assert.ok(seen.slice(0, resumedAt).every((r) => r.partition === 1));
  assert.equal(seen.length, 400);
  await t.admin().deleteTopics([topic]);
});

test('a second member takes partitions: the first is told what it lost, the two own each partition once', async () => {
  const topic = await topicWith('rebalance', 6, 600);
  const groupId = uniqueTopic('g');
  const events: string[] = [];
  const ownedA = new Set<string>();
  const ownedB = new Set<string>();
  const key = (tp: TopicPartition) => `${tp.partition}`;
  const a = t.consumer({
    groupId,
    topics: [topic],
    fromBeginning: true,
    onAssigned: (tps) => tps.forEach((tp) => (ownedA.add(key(tp)), events.push(`A+${key(tp)}`))),
    onRevoked: (tps) => tps.forEach((tp) => (ownedA.delete(key(tp)), events.push(`A-${key(tp)}`))),
  });
  const runA = a.run(async () => {});
  const deadline = Date.now() + 30_000;
  while (ownedA.size < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(ownedA.size, 6, 'the only member owns all partitions');

  const b = t.consumer({
    groupId,
    topics: [topic],
    fromBeginning: true,
    onAssigned: (tps) => tps.forEach((tp) => ownedB.add(key(tp))),
    onRevoked: (tps) => tps.forEach((tp) => ownedB.delete(key(tp))),
  });
  const runB = b.run(async () => {});
  const deadline2 = Date.now() + 60_000;
  while ((ownedB.size === 0 || ownedA.size + ownedB.size !== 6) && Date.now() < deadline2) await new Promise((r) => setTimeout(r, 100));
  assert.ok(ownedB.size > 0, 'the new member got partitions');
  assert.equal(ownedA.size + ownedB.size, 6);
  for (const p of ownedB) assert.ok(!ownedA.has(p), `partition ${p} owned twice`);
  assert.ok(events.some((e) => e.startsWith('A-')), 'the first member heard of its revoked partitions');
  assert.deepEqual(new Set(a.assignment().map(key)), ownedA);
  await Promise.all([a.stop(), b.stop()]);
  await Promise.all([runA, runB]);
  await t.admin().deleteTopics([topic]);
});

test('a handler that throws ends run() with its error instead of redelivering forever', async () => {
  const topic = await topicWith('throw', 1, 10);
  const c = t.consumer({ groupId: uniqueTopic('g'), topics: [topic], fromBeginning: true });
  await assert.rejects(
    c.run(async () => {
      throw new Error('handler exploded');
    }),
    /handler exploded/,
  );
  await t.admin().deleteTopics([topic]);
});

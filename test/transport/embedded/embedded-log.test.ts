import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createEmbeddedTransport } from '../../../src/transport/embedded/index.js';
import { partitionForKey } from '../../../src/transport/partitioner.js';
import type { ConsumedRecord, TopicPartition } from '../../../src/transport/types.js';

const topic = (name: string, partitions: number) => ({ name, partitions, replicationFactor: 1, config: {} });

async function consumeUntil(
  consumer: ReturnType<ReturnType<typeof createEmbeddedTransport>['consumer']>,
  count: number,
  sink: ConsumedRecord[],
) {
  const running = consumer.run(async (batch) => {
    sink.push(...batch.records);
    await consumer.commit([
      { topic: batch.topic, partition: batch.partition, offset: batch.records.at(-1)!.offset + 1 },
    ]);
    if (sink.length >= count) void consumer.stop();
  });
  await running;
}

test('every produced record is consumed exactly once, keyed records land on the murmur2 partition', async () => {
  const t = createEmbeddedTransport({ topics: [topic('events', 12)], maxBatchRecords: 97 });
  const producer = t.producer();
  const sent: string[] = [];
  for (let i = 0; i < 5000; i += 50) {
    const batch = Array.from({ length: 50 }, (_, j) => ({
      key: `user-${(i + j) % 313}`,
      value: Buffer.from(`e${i + j}`),
    }));
    sent.push(...batch.map((m) => m.value.toString()));
    const reports = await producer.send('events', batch);
    reports.forEach((r, j) => assert.equal(r.partition, partitionForKey(batch[j].key, 12)));
  }
  const got: ConsumedRecord[] = [];
  await consumeUntil(t.consumer({ groupId: 'g', topics: ['events'], fromBeginning: true }), sent.length, got);
  assert.equal(got.length, sent.length);
  const digest = (xs: string[]) =>
    createHash('sha256')
      .update([...xs].sort().join('\n'))
      .digest('hex');
  assert.equal(digest(got.map((r) => r.value.toString())), digest(sent));
  // Per-key order is kept: values of one key appear in send order.
  const lastSeen = new Map<string, number>();
  for (const r of got) {
    const n = Number(r.value.toString().slice(1));
    assert.ok((lastSeen.get(r.key!) ?? -1) < n, `order broken for ${r.key}`);
    lastSeen.set(r.key!, n);
  }
});

test('a group resumes from its committed offsets and a new group can start at the end', async () => {
  const t = createEmbeddedTransport({ topics: [topic('t', 2)] });
  const p = t.producer();
  await p.send(
    't',
    Array.from({ length: 10 }, (_, i) => ({ key: null, value: Buffer.from(String(i)) })),
  );
  const first: ConsumedRecord[] = [];
  await consumeUntil(t.consumer({ groupId: 'g', topics: ['t'], fromBeginning: true }), 10, first);
  await p.send(
    't',
    Array.from({ length: 4 }, (_, i) => ({ key: null, value: Buffer.from(String(10 + i)) })),
  );
  const second: ConsumedRecord[] = [];
  await consumeUntil(t.consumer({ groupId: 'g', topics: ['t'], fromBeginning: true }), 4, second);
  assert.deepEqual(second.map((r) => r.value.toString()).sort(), ['10', '11', '12', '13']);
});

test('with caller-owned positions a consumer starts where the caller says, not at the group offsets', async () => {
  const t = createEmbeddedTransport({ topics: [topic('t', 2)] });
  const p = t.producer();
  await p.send(
    't',
    Array.from({ length: 10 }, (_, i) => ({ key: null, value: Buffer.from(String(i)), partition: i % 2 })),
  );
  // Group g has committed 5 / 5; another group at 0 keeps the log from being trimmed.
  await t
    .consumer({ groupId: 'other', topics: ['t'], fromBeginning: true })
    .commit([0, 1].map((partition) => ({ topic: 't', partition, offset: 0 })));
  await t
    .consumer({ groupId: 'g', topics: ['t'], fromBeginning: true })
    .commit([0, 1].map((partition) => ({ topic: 't', partition, offset: 5 })));
  const owned: ConsumedRecord[] = [];
  const positions = (tp: TopicPartition) => (tp.partition === 0 ? 3 : undefined);
  await consumeUntil(t.consumer({ groupId: 'g', topics: ['t'], fromBeginning: true, positions }), 7, owned);
  assert.deepEqual(
    owned.filter((r) => r.partition === 0).map((r) => r.offset),
    [3, 4],
    'partition 0 from the given position',
  );
  assert.deepEqual(
    owned.filter((r) => r.partition === 1).map((r) => r.offset),
    [0, 1, 2, 3, 4],
    'partition 1 (none given) per fromBeginning',
  );
});

test('two consumers in one group split the partitions and rebalance when one leaves', async () => {
  const t = createEmbeddedTransport({ topics: [topic('t', 4)] });
  const assigned: Record<string, TopicPartition[]> = { a: [], b: [] };
  const revoked: TopicPartition[] = [];
  const a = t.consumer({
    groupId: 'g',
    topics: ['t'],
    fromBeginning: true,
    onAssigned: (tps) => void assigned.a.push(...tps),
  });
  const b = t.consumer({
    groupId: 'g',
    topics: ['t'],
    fromBeginning: true,
    onAssigned: (tps) => void assigned.b.push(...tps),
    onRevoked: (tps) => void revoked.push(...tps),
  });
  const runA = a.run(async () => {});
  const runB = b.run(async () => {});
  await t.producer().send('t', [{ key: 'k', value: Buffer.from('x') }]);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(a.assignment().length + b.assignment().length, 4);
  assert.equal(a.assignment().length, 2);
  await b.stop();
  await runB;
  await t.producer().send('t', [{ key: 'k', value: Buffer.from('y') }]);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(a.assignment().length, 4);
  assert.equal(revoked.length, 2);
  await a.stop();
  await runA;
});

test('a paused partition delivers nothing until resumed', async () => {
  const t = createEmbeddedTransport({ topics: [topic('t', 1)] });
  const c = t.consumer({ groupId: 'g', topics: ['t'], fromBeginning: true });
  const seen: string[] = [];
  c.pause([{ topic: 't', partition: 0 }]);
  const run = c.run(async (b) => void seen.push(...b.records.map((r) => r.value.toString())));
  await t.producer().send('t', [{ key: null, value: Buffer.from('a') }]);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(seen, []);
  c.resume([{ topic: 't', partition: 0 }]);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(seen, ['a']);
  await c.stop();
  await run;
});

test('sending to a topic that does not exist names the topic', async () => {
  const t = createEmbeddedTransport();
  await assert.rejects(
    t.producer().send('nope', [{ key: null, value: Buffer.from('') }]),
    /unknown topic 'nope'/,
  );
});

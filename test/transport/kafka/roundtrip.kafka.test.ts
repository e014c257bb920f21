import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KafkaTransport } from '../../../src/transport/kafka/index.js';
import type { DeliveryReport } from '../../../src/transport/types.js';
import { consumeUntil, idDigest, transport, uniqueTopic } from './helpers.js';

let t: KafkaTransport;
before(() => {
  t = transport();
});
after(async () => {
  await t.close();
});

const N = 60_000;
const KEYS = 500;

test(`${N} keyed events round-trip through the broker: none lost, none duplicated, per-key order kept`, async () => {
  const topic = uniqueTopic('rt');
  const admin = t.admin();
  await admin.createTopics([{ name: topic, partitions: 12, replicationFactor: 1, config: {} }]);
  const producer = t.producer();
  // Uneven send() sizes, several in flight at once: the batching policy must regroup them without reordering.
  const sent: { id: string; key: string; seq: number }[] = [];
  const perKeySeq = new Map<string, number>();
  const pending: Promise<DeliveryReport[]>[] = [];
  let i = 0;
  let size = 1;
  while (i < N) {
    const n = Math.min(size, N - i);
    const msgs = [];
    for (let j = 0; j < n; j++, i++) {
      const key = `user-${(i * 7919) % KEYS}`;
      const seq = perKeySeq.get(key) ?? 0;
      perKeySeq.set(key, seq + 1);
      const id = `evt-${i}`;
      sent.push({ id, key, seq });
      msgs.push({
        key,
        value: Buffer.from(JSON.stringify({ event_id: id, seq })),
        headers: { event_id: id },
      });
    }
    pending.push(producer.send(topic, msgs));
    size = size >= 700 ? 1 : size * 3;
  }
  const reports = (await Promise.all(pending)).flat();
  await producer.close();
  assert.equal(reports.length, N);

  const consumer = t.consumer({ groupId: uniqueTopic('g'), topics: [topic], fromBeginning: true });
  const got = await consumeUntil(consumer, (r) => r.length >= N, 120_000);
  assert.equal(got.length, N, 'count');
  const ids = got.map((r) => JSON.parse(r.value.toString()).event_id as string);
  assert.equal(new Set(ids).size, N, 'no duplicates');
  assert.equal(idDigest(ids), idDigest(sent.map((s) => s.id)), 'checksum of event ids');

  // Per key: one partition, and sequence numbers strictly increasing in offset order.
  const partitionOfKey = new Map<string, number>();
  const lastSeq = new Map<string, number>();
  const byPartition = [...got].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const r of byPartition) {
    const { seq } = JSON.parse(r.value.toString()) as { seq: number };
    const p = partitionOfKey.get(r.key!);
    if (p === undefined) partitionOfKey.set(r.key!, r.partition);
    else assert.equal(r.partition, p, `key ${r.key} spread over partitions`);
    assert.equal(seq, (lastSeq.get(r.key!) ?? -1) + 1, `key ${r.key}: order or gap at offset ${r.offset}`);
    lastSeq.set(r.key!, seq);
  }
  assert.equal(partitionOfKey.size, KEYS);

  // Delivery reports name the exact partition and offset the broker stored each record at.
  const where = new Map(got.map((r) => [r.headers.event_id, `${r.partition}/${r.offset}`]));
  for (let k = 0; k < N; k += 997)
    assert.equal(
      `${reports[k].partition}/${reports[k].offset}`,
      where.get(sent[k].id),
      `report of ${sent[k].id}`,
    );
  await admin.deleteTopics([topic]);
});

for (const compression of ['gzip', 'snappy', 'lz4'] as const) {
  test(`${compression}-compressed batches decode to the same bytes`, async () => {
    const ct = transport({ producer: { compression } });
    const topic = uniqueTopic(`c-${compression}`);
    try {
      await ct.admin().createTopics([{ name: topic, partitions: 2, replicationFactor: 1, config: {} }]);
      const values = Array.from({ length: 3000 }, (_, i) =>
        Buffer.from(`{"event_id":"e${i}","page":"/products/${i % 40}","padding":"${'ab'.repeat(i % 50)}"}`),
      );
      const p = ct.producer();
      await p.send(
        topic,
        values.map((value, i) => ({ key: `k${i % 10}`, value })),
      );
      await p.close();
      const got = await consumeUntil(
        ct.consumer({ groupId: uniqueTopic('g'), topics: [topic], fromBeginning: true }),
        (r) => r.length >= values.length,
        60_000,
      );
      assert.deepEqual(got.map((r) => r.value.toString()).sort(), values.map((v) => v.toString()).sort());
      await ct.admin().deleteTopics([topic]);
    } finally {
      await ct.close();
    }
  });
}

test('headers, timestamps, null keys and explicit partitions survive the round trip', async () => {
  const topic = uniqueTopic('meta');
  await t.admin().createTopics([{ name: topic, partitions: 3, replicationFactor: 1, config: {} }]);
  const p = t.producer();
  const ts = 1_700_000_000_123;
  const reports = await p.send(topic, [
    { key: null, value: Buffer.from('a'), headers: { h: 'x' }, timestamp: ts },
    { key: 'k', value: Buffer.from('b'), partition: 2, timestamp: ts + 1 },
    { key: null, value: Buffer.from('c') },
  ]);
  await p.close();
  assert.equal(reports[1].partition, 2);
  const got = await consumeUntil(
    t.consumer({ groupId: uniqueTopic('g'), topics: [topic], fromBeginning: true }),
    (r) => r.length >= 3,
    60_000,
  );
  const byValue = new Map(got.map((r) => [r.value.toString(), r]));
  assert.equal(byValue.get('a')!.key, null);
  assert.equal(byValue.get('a')!.headers.h, 'x');
  assert.equal(byValue.get('a')!.timestamp, ts);
  assert.equal(byValue.get('b')!.partition, 2);
  assert.equal(byValue.get('b')!.timestamp, ts + 1);
  // Null keys are spread round-robin, not all on one partition.
  assert.notEqual(byValue.get('a')!.partition, byValue.get('c')!.partition);
  await t.admin().deleteTopics([topic]);
});

test('sending to a topic that does not exist fails with a message naming it and rtap provision', async () => {
  const p = t.producer();
  await assert.rejects(
    p.send('no-such-topic-' + Date.now(), [{ key: 'k', value: Buffer.from('x') }]),
    /topic 'no-such-topic-\d+' does not exist/,
  );
  await p.close();
});

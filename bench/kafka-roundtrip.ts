/**
 * Acceptance check of issue 3: ≥ 1,000,000 events through the real broker with our Kafka transport, none
 * lost, none duplicated (count and SHA-256 of the sorted event ids), per-key order kept (each key's
 * sequence numbers arrive 0, 1, 2, ... in offset order).
 *
 *   node --import tsx bench/kafka-roundtrip.ts [--events 1000000] [--keys 10000] [--partitions 12]
 *        [--compression none|gzip|snappy|lz4] [--brokers host:port]
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createKafkaTransport, type Compression } from '../src/transport/kafka/index.js';
import type { DeliveryReport } from '../src/transport/types.js';
import { benchBroker } from './kafka-broker.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    keys: { type: 'string', default: '10000' },
    partitions: { type: 'string', default: '12' },
    compression: { type: 'string', default: 'none' },
    brokers: { type: 'string' },
  },
});
const N = Number(values.events);
const KEYS = Number(values.keys);
const broker = await benchBroker(values.brokers);
const t = createKafkaTransport({
  brokers: broker.brokers,
  producer: { compression: values.compression as Compression },
});
const topic = `roundtrip-${Date.now()}`;
try {
  await t
    .admin()
    .createTopics([{ name: topic, partitions: Number(values.partitions), replicationFactor: 1, config: {} }]);
  const producer = t.producer();
  const sentDigest = createHash('sha256');
  const ids: string[] = [];
  const seqOf = new Uint32Array(KEYS);
  const t0 = performance.now();
  const inflight = new Set<Promise<DeliveryReport[]>>();
  const CHUNK = 500;
  for (let i = 0; i < N; i += CHUNK) {
    const msgs = [];
    for (let j = i; j < Math.min(N, i + CHUNK); j++) {
      const k = (j * 2654435761) % KEYS;
      const id = `evt-${j.toString(36)}`;
      ids.push(id);
      msgs.push({
        key: `user-${k}`,
        value: Buffer.from(
          JSON.stringify({
            event_id: id,
            user_id: `user-${k}`,
            seq: seqOf[k]++,
            type: 'PageView',
            url: `/products/${j % 500}`,
            ts: 1_700_000_000_000 + j,
          }),
        ),
      });
    }
    const p = producer.send(topic, msgs);
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    // Enough in flight to fill batches, bounded so memory stays flat.
    if (inflight.size >= 40) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  await producer.close();
  const t1 = performance.now();
  ids.sort();
  for (const id of ids) sentDigest.update(id + '\n');

  const consumer = t.consumer({ groupId: `${topic}-check`, topics: [topic], fromBeginning: true });
  const got: string[] = [];
  const nextSeq = new Uint32Array(KEYS);
  let orderViolations = 0;
  const logEnd = new Map<number, number>();
  await consumer.run(async (b) => {
    for (const r of b.records) {
      const e = JSON.parse(r.value.toString()) as { event_id: string; user_id: string; seq: number };
      const k = Number(e.user_id.slice(5));
      if (e.seq !== nextSeq[k]) orderViolations++;
      nextSeq[k] = e.seq + 1;
      got.push(e.event_id);
    }
    logEnd.set(b.partition, b.highWatermark);
    await consumer.commit([
      { topic: b.topic, partition: b.partition, offset: b.records[b.records.length - 1].offset + 1 },
    ]);
    if (got.length >= N) void consumer.stop();
  });
  const t2 = performance.now();
  got.sort();
  const gotDigest = createHash('sha256');
  let dups = 0;
  for (let i = 0; i < got.length; i++) {
    if (i > 0 && got[i] === got[i - 1]) dups++;
    gotDigest.update(got[i] + '\n');
  }
  const inLog = [...logEnd.values()].reduce((a, b) => a + b, 0);
  const a = sentDigest.digest('hex');
  const b = gotDigest.digest('hex');
  const ok = got.length === N && inLog === N && dups === 0 && a === b && orderViolations === 0;
  console.log(
    `broker: ${broker.where}; topic ${topic}, ${values.partitions} partitions, ${KEYS} keys, compression ${values.compression}`,
  );
  console.log(
    `produced ${N} in ${((t1 - t0) / 1000).toFixed(1)} s (${Math.round(N / ((t1 - t0) / 1000))}/s), consumed ${got.length} in ${((t2 - t1) / 1000).toFixed(1)} s (${Math.round(got.length / ((t2 - t1) / 1000))}/s)`,
  );
  console.log(`records in the log ${inLog}, duplicates ${dups}, per-key order violations ${orderViolations}`);
  console.log(`sha256(sorted sent ids)     ${a}\nsha256(sorted consumed ids) ${b}`);
  console.log(ok ? 'OK: none lost, none duplicated, per-key order kept' : 'FAILED');
  await t.admin().deleteTopics([topic]);
  process.exitCode = ok ? 0 : 1;
} finally {
  await t.close();
  await broker.stop();
}

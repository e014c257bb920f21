/**
 * Produce and consume throughput through the real broker: rtap's Kafka transport against a bare kafkajs
 * loop in the same run (the ceiling of kafkajs on this machine). Same messages (~200-byte JSON, keyed),
 * same broker, acks=all and the idempotent producer on both sides.
 *
 *   node --import tsx bench/kafka-throughput.ts [--events 200000] [--partitions 12] [--runs 2] [--brokers host:port]
 */
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import { partitionForKey } from '../src/transport/partitioner.js';
import { createKafkaTransport } from '../src/transport/kafka/index.js';
import type { DeliveryReport } from '../src/transport/types.js';
import { benchBroker } from './kafka-broker.js';

const { Kafka, logLevel } = kafkajs;
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    partitions: { type: 'string', default: '12' },
    runs: { type: 'string', default: '2' },
    brokers: { type: 'string' },
  },
});
const N = Number(values.events);
const P = Number(values.partitions);
const BATCH = 2000; // the transport's default batchMaxMessages, so both sides send requests of the same size

const keys = Array.from({ length: N }, (_, i) => `user-${(i * 2654435761) % 10_000}`);
const payloads = keys.map((k, i) =>
  Buffer.from(
    JSON.stringify({
      event_id: `e${i}`,
      user_id: k,
      type: 'PageView',
      url: `/products/${i % 500}`,
      ts: 1_700_000_000_000 + i,
      referrer: 'https://search.example/q',
    }),
  ),
);

const broker = await benchBroker(values.brokers);
const kafka = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING, clientId: 'bench-bare' });
const ours = createKafkaTransport({ brokers: broker.brokers });
const admin = kafka.admin();
await admin.connect();

async function topic(name: string): Promise<string> {
  const t = `${name}-${Date.now()}`;
  await ours.admin().createTopics([{ name: t, partitions: P, replicationFactor: 1, config: {} }]);
  return t;
}

async function bareProduce(t: string): Promise<number> {
  const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await p.connect();
  const t0 = performance.now();
  for (let i = 0; i < N; i += BATCH) {
    const messages = [];
    for (let j = i; j < Math.min(N, i + BATCH); j++)
      messages.push({ key: keys[j], value: payloads[j], partition: partitionForKey(keys[j], P) });
    await p.sendBatch({ acks: -1, topicMessages: [{ topic: t, messages }] });
  }
  const s = (performance.now() - t0) / 1000;
  await p.disconnect();
  return N / s;
}

async function oursProduce(t: string): Promise<number> {
  const p = ours.producer();
  const t0 = performance.now();
  const inflight = new Set<Promise<DeliveryReport[]>>();
  // The way the simulator sends: many small send() calls; the transport batches them.
  for (let i = 0; i < N; i += 100) {
    const pr = p.send(
      t,
      Array.from({ length: Math.min(100, N - i) }, (_, j) => ({ key: keys[i + j], value: payloads[i + j] })),
    );
    inflight.add(pr);
    void pr.finally(() => inflight.delete(pr));
    if (inflight.size >= 100) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  await p.flush();
  const s = (performance.now() - t0) / 1000;
  await p.close();
  return N / s;
}

async function bareConsume(t: string): Promise<number> {
  const c = kafka.consumer({ groupId: `${t}-bare`, maxWaitTimeInMs: 250 });
  await c.connect();
  await c.subscribe({ topics: [t], fromBeginning: true });
  let n = 0;
  let t0 = 0;
  await new Promise<void>((resolve) => {
    void c.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (!t0) t0 = performance.now();
        n += batch.messages.length;
        if (n >= N) resolve();
      },
    });
  });
  const s = (performance.now() - t0) / 1000;
  await c.disconnect();
  return N / s;
}

async function oursConsume(t: string): Promise<number> {
  const c = ours.consumer({ groupId: `${t}-ours`, topics: [t], fromBeginning: true });
  let n = 0;
  let t0 = 0;
  await c.run(async (b) => {
    if (!t0) t0 = performance.now();
    n += b.records.length;
    // No commit per batch, like the bare loop (autoCommit off): both measure fetch + decode only.
    if (n >= N) void c.stop();
  });
  return N / ((performance.now() - t0) / 1000);
}

const rows: Record<string, number[]> = {
  'bare kafkajs produce': [],
  'rtap transport produce': [],
  'bare kafkajs consume': [],
  'rtap transport consume': [],
};
try {
  for (let run = 0; run < Number(values.runs); run++) {
    // Alternate the order so neither side always gets the warmer JVM.
    const a = await topic('tp-bare');
    const b = await topic('tp-ours');
    if (run % 2 === 0) {
      rows['bare kafkajs produce'].push(await bareProduce(a));
      rows['rtap transport produce'].push(await oursProduce(b));
    } else {
      rows['rtap transport produce'].push(await oursProduce(b));
      rows['bare kafkajs produce'].push(await bareProduce(a));
    }
    rows['bare kafkajs consume'].push(await bareConsume(a));
    rows['rtap transport consume'].push(await oursConsume(b));
    await ours.admin().deleteTopics([a, b]);
  }
  console.log(
    `broker: ${broker.where}; ${N} messages of ~${payloads[0].length} B, ${P} partitions, acks=all, idempotent, runs ${values.runs}`,
  );
  for (const [name, xs] of Object.entries(rows)) {
    console.log(
      `${name.padEnd(24)} ${xs.map((x) => `${Math.round(x)}/s`).join('  ')}   best ${Math.round(Math.max(...xs))}/s`,
    );
  }
  const ratio = (x: string, y: string) => (Math.max(...rows[x]) / Math.max(...rows[y])).toFixed(2);
  console.log(
    `transport / bare: produce ${ratio('rtap transport produce', 'bare kafkajs produce')}, consume ${ratio('rtap transport consume', 'bare kafkajs consume')}`,
  );
} finally {
  await admin.disconnect();
  await ours.close();
  await broker.stop();
}

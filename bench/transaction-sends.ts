/**
 * How a checkpoint transaction's outputs are best sent with kafkajs (docs/kafka.md): one sendBatch per
 * partition, all at once (what rtap did), against one sendBatch holding every partition of the leader
 * (what it does now). Each transaction: the sends, offsets for 12 input partitions, commit; `--gap` ms
 * between transactions (rtap's checkpoints are about 1 s apart). Prints per mode the time of the sends
 * and of the whole transaction (mean, p50, max) and the CONCURRENT_TRANSACTIONS answers kafkajs retried.
 *
 *   node --import tsx bench/transaction-sends.ts [--partitions 24] [--transactions 20] [--gap 1000]
 *     [--initial-retry-ms 20] [--brokers host:port]
 */
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import { createKafkaTransport } from '../src/transport/kafka/index.js';
import { benchBroker } from './kafka-broker.js';

const { values } = parseArgs({
  options: {
    partitions: { type: 'string', default: '24' },
    transactions: { type: 'string', default: '20' },
    gap: { type: 'string', default: '1000' },
    // kafkajs's first retry backoff (rtap's transactional producer: 20 ms).
    'initial-retry-ms': { type: 'string', default: '20' },
    brokers: { type: 'string' },
  },
});
const PARTITIONS = Number(values.partitions);
const TRANSACTIONS = Number(values.transactions);
const GAP = Number(values.gap);

const broker = await benchBroker(values.brokers);
let concurrent = 0;
const kafka = new kafkajs.Kafka({
  brokers: broker.brokers,
  logLevel: kafkajs.logLevel.DEBUG,
  logCreator:
    () =>
    ({ log }) => {
      if (/AddPartitionsToTxn/.test(log.message) && /concurrent operation/.test(String(log.error)))
        concurrent++;
    },
});
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `mean ${mean.toFixed(0)} / p50 ${s[Math.floor(s.length / 2)].toFixed(0)} / max ${s[s.length - 1].toFixed(0)} ms`;
};

try {
  console.log(
    `broker: ${broker.where}; ${PARTITIONS} output partitions (two topics), 4 records each; ${TRANSACTIONS} transactions, ${GAP} ms apart; first retry after ${values['initial-retry-ms']} ms`,
  );
  const admin = kafka.admin();
  await admin.connect();
  const run = `${Date.now()}`;
  const input = `txs-in-${run}`;
  const outs = [`txs-a-${run}`, `txs-b-${run}`];
  const half = Math.ceil(PARTITIONS / 2);
  // Through rtap's admin seam, which waits for the leaders (kafkajs's own wait trips over KRaft).
  const rtap = createKafkaTransport({ brokers: broker.brokers });
  await rtap
    .admin()
    .createTopics([
      { name: input, partitions: 12, replicationFactor: 1, config: {} },
      ...outs.map((name) => ({ name, partitions: half, replicationFactor: 1, config: {} })),
    ]);
  await rtap.close();
  for (const mode of ['per partition', 'per leader'] as const) {
    const producer = kafka.producer({
      transactionalId: `txs-${run}-${mode.replace(' ', '-')}`,
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: 12, initialRetryTime: Number(values['initial-retry-ms']), maxRetryTime: 2000 },
    });
    await producer.connect();
    const sends: number[] = [];
    const totals: number[] = [];
    concurrent = 0;
    for (let i = 0; i < TRANSACTIONS; i++) {
      const batches = Array.from({ length: PARTITIONS }, (_, k) => ({
        topic: outs[k % 2],
        messages: Array.from({ length: 4 }, (_, j) => ({
          key: `k${j}`,
          value: 'x'.repeat(200),
          partition: Math.floor(k / 2),
        })),
      }));
      const t0 = performance.now();
      const tx = await producer.transaction();
      if (mode === 'per partition')
        await Promise.all(batches.map((b) => tx.sendBatch({ topicMessages: [b], acks: -1 })));
      else
        await tx.sendBatch({
          topicMessages: outs.map((topic) => ({
            topic,
            messages: batches.filter((b) => b.topic === topic).flatMap((b) => b.messages),
          })),
          acks: -1,
        });
      const t1 = performance.now();
      await tx.sendOffsets({
        consumerGroupId: `txs-group-${run}`,
        topics: [
          {
            topic: input,
            partitions: Array.from({ length: 12 }, (_, p) => ({ partition: p, offset: String(i + 1) })),
          },
        ],
      });
      await tx.commit();
      // The first transaction pays for finding the coordinators: not counted.
      if (i > 0) {
        sends.push(t1 - t0);
        totals.push(performance.now() - t0);
      }
      if (GAP) await new Promise((r) => setTimeout(r, GAP));
    }
    await producer.disconnect();
    console.log(
      `${mode.padEnd(14)} sends ${stats(sends)}; whole transaction ${stats(totals)}; CONCURRENT_TRANSACTIONS retried ${concurrent}`,
    );
  }
  await admin.deleteTopics({ topics: [input, ...outs] });
  await admin.disconnect();
} finally {
  await broker.stop();
}

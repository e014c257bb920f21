/**
 * Kafka refuses a record batch above the topic's max.message.bytes (1 MiB + 12 bytes on a broker with
 * defaults), and kafkajs puts all of a request's records for one partition into one batch. Both of rtap's
 * producers must therefore split: 3 MiB for one partition, in one send() and in one transaction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCommitted } from '../../fault/helpers.js';
import { DEFAULT_BATCH_LIMIT, transport, uniqueTopic } from './helpers.js';

const brokersEnv = process.env.RTAP_KAFKA_BROKERS;
const messages = (tag: string) =>
  Array.from({ length: 3000 }, (_, i) => ({
    key: 'one-partition',
    value: Buffer.from(`${tag}-${String(i).padStart(4, '0')}-`.padEnd(1024, 'x')),
    headers: { 'rtap-test': tag },
  }));

test(
  '3 MiB for one partition of a topic with the default 1 MiB batch limit: a send() and a transaction both land whole and in order',
  { skip: !brokersEnv, timeout: 120_000 },
  async () => {
    const t = transport();
    const plain = uniqueTopic('limit-plain');
    const txTopic = uniqueTopic('limit-tx');
    try {
      await t.admin().createTopics([
        { name: plain, partitions: 1, replicationFactor: 1, config: DEFAULT_BATCH_LIMIT },
        { name: txTopic, partitions: 1, replicationFactor: 1, config: DEFAULT_BATCH_LIMIT },
      ]);
      const producer = t.producer();
      const reports = await producer.send(plain, messages('plain'));
      assert.equal(reports.length, 3000);

      const tx = t.transactions(uniqueTopic('limit-txid'));
      await tx.commit(new Map([[txTopic, messages('tx')]]), uniqueTopic('limit-group'), []);

      for (const [topic, tag] of [
        [plain, 'plain'],
        [txTopic, 'tx'],
      ] as const) {
        const read = await readCommitted(brokersEnv!, topic, new Map());
        assert.deepEqual(
          read.map((r) => r.value.slice(0, tag.length + 5)),
          messages(tag).map((m) => m.value.toString().slice(0, tag.length + 5)),
          `${topic}: every record once, in order`,
        );
      }
      await t.admin().deleteTopics([plain, txTopic]);
    } finally {
      await t.close();
    }
  },
);

import { createHash, randomUUID } from 'node:crypto';
import {
  createKafkaTransport,
  type KafkaTransport,
  type KafkaTransportOptions,
} from '../../../src/transport/kafka/index.js';
import type { Admin, Kafka } from 'kafkajs';
import { PartitionCounts } from '../../../src/transport/kafka/metadata.js';
import { KafkaTransactions } from '../../../src/transport/kafka/transactions.js';
import type { ConsumedRecord, Consumer } from '../../../src/transport/types.js';

export function brokers(): string[] {
  const b = process.env.RTAP_KAFKA_BROKERS;
  if (!b)
    throw new Error(
      'RTAP_KAFKA_BROKERS is not set: run kafka tests through `npm test` (scripts/test.ts starts the broker)',
    );
  return b.split(',');
}

export function transport(extra: Partial<KafkaTransportOptions> = {}): KafkaTransport {
  return createKafkaTransport({ brokers: brokers(), connectTimeoutMs: 20_000, ...extra });
}

/** Transactions on this thread over kafkajs client `kafka` (which a test may wrap to inject faults). */
export function transactionsOn(kafka: Kafka, transactionalId: string, admin: Admin): KafkaTransactions {
  return new KafkaTransactions(
    kafka,
    transactionalId,
    async () => admin,
    (p) => p.connect(),
    new PartitionCounts(async () => admin, brokers(), 30_000),
  );
}

/**
 * Creates `partitions`-partition topics through rtap's admin seam, which waits for their leaders. A bare
 * kafkajs createTopics with waitForLeaders gives up on KRaft's brief UNKNOWN_TOPIC_OR_PARTITION after
 * creation (a CI failure), and without it a producer may find no leader.
 */
export async function createTopics(names: string[], partitions: number): Promise<void> {
  const t = transport();
  try {
    await t
      .admin()
      .createTopics(names.map((name) => ({ name, partitions, replicationFactor: 1, config: {} })));
  } finally {
    await t.close();
  }
}

/** Kafka's default batch limit (message.max.bytes), for a topic: the test broker's own limit is higher. */
export const DEFAULT_BATCH_LIMIT = { 'max.message.bytes': '1048588' };

/** A topic name no other test (or earlier run) uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Order-independent digest of a multiset of ids: the same ids, each once, give the same digest. */
export function idDigest(ids: Iterable<string>): string {
  const sorted = [...ids].sort();
  return createHash('sha256').update(sorted.join('\n')).digest('hex');
}

/**
 * Runs `consumer` until `until(records)` is true or `timeoutMs` passes; returns every record delivered,
 * committing after each batch.
 */
export async function consumeUntil(
  consumer: Consumer,
  until: (records: ConsumedRecord[]) => boolean,
  timeoutMs: number,
): Promise<ConsumedRecord[]> {
  const got: ConsumedRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  const run = consumer.run(async (batch) => {
    got.push(...batch.records);
    await consumer.commit([
      {
        topic: batch.topic,
        partition: batch.partition,
        offset: batch.records[batch.records.length - 1].offset + 1,
      },
    ]);
    if (until(got)) void consumer.stop();
  });
  await Promise.race([run, timedOut.then(() => consumer.stop())]);
  clearTimeout(timer);
  return got;
}

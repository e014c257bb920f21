import { randomUUID } from 'node:crypto';
import type { Admin as KafkaJsAdmin, Consumer as KafkaJsConsumer, Kafka } from 'kafkajs';
import { RtapError } from '../../errors.js';
import type { Headers } from '../types.js';
import { headersOf } from './consumer.js';

export interface ScannedRecord {
  offset: number;
  key: string | null;
  value: Buffer | null;
  headers: Headers;
}

/**
 * Reads one partition's committed records (read_committed) from its start, in order, until `visit` returns
 * true (true) or the partition's end as of the call is reached (false).
 *
 * kafkajs has no manual assignment, so this joins a throwaway consumer group of its own, with no offsets
 * committed, and deletes it afterwards. A new group waits for the broker's group.initial.rebalance.delay.ms
 * (3 s by default) before its first assignment: that is the fixed cost of a scan.
 */
export async function scanPartition(
  kafka: Kafka,
  admin: KafkaJsAdmin,
  connect: (c: KafkaJsConsumer) => Promise<void>,
  topic: string,
  partition: number,
  visit: (r: ScannedRecord) => boolean,
  timeoutMs = 60_000,
): Promise<boolean> {
  const ends = await admin.fetchTopicOffsets(topic);
  const end = ends.find((o) => o.partition === partition);
  if (!end) throw new RtapError(`kafka: topic ${topic} has no partition ${partition}`);
  const high = Number(end.high);
  if (Number(end.low) >= high) return false;

  const groupId = `rtap-scan-${topic}-${randomUUID().slice(0, 8)}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false });
  let settle!: (found: boolean) => void;
  let fail!: (err: Error) => void;
  const done = new Promise<boolean>((resolve, reject) => ((settle = resolve), (fail = reject)));
  // After each batch, eachBatch's or one of transaction markers only (which never reaches eachBatch).
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    const p = e.payload as { partition: number; lastOffset: string };
    if (p.partition === partition && Number(p.lastOffset) + 1 >= high) settle(false);
  });
  // kafkajs restarts the consumer itself after a retriable crash; only a final one ends the scan.
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) fail(e.payload.error as Error);
  });
  const timer = setTimeout(
    () =>
      fail(
        new RtapError(
          `kafka: reading ${topic}[${partition}] did not reach offset ${high} within ${timeoutMs / 1000}s`,
        ),
      ),
    timeoutMs,
  );
  try {
    await connect(consumer);
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (batch.partition !== partition) return;
        for (const m of batch.messages) {
          const found = visit({
            offset: Number(m.offset),
            key: m.key?.toString() ?? null,
            value: m.value,
            headers: headersOf(m.headers),
          });
          if (found) return settle(true);
        }
      },
    });
    return await done;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => {});
    await admin.deleteGroups([groupId]).catch(() => {});
  }
}

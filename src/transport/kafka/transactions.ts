import kafkajs, { type Admin as KafkaJsAdmin, type Kafka, type Producer as KafkaJsProducer } from 'kafkajs';
import { RtapError } from '../../errors.js';
import type { OutgoingMessage, TopicPartition } from '../types.js';
import { describeKafkaError, isFatal } from './errors.js';

const { Partitioners } = kafkajs;

/** Offsets with the commit's metadata string (rtap stores the checkpoint sequence there). */
export type PartitionOffsets = (TopicPartition & { offset: number; metadata?: string | null })[];

/**
 * A transactional kafkajs producer: outputs and the consumed offsets they correspond to become visible
 * to read_committed readers atomically, or not at all. One transactional id per processor group (a
 * single process owns all partitions): a restarted process with the same id fences the dead one and the
 * broker aborts its open transaction during initTransactions. Transactions are strictly serial here:
 * kafkajs fails a second transaction() while one is open (tulios/kafkajs#1096-style "ongoing transaction").
 */
export class KafkaTransactions {
  private readonly producer: KafkaJsProducer;
  private connected: Promise<void> | null = null;

  constructor(
    kafka: Kafka,
    readonly transactionalId: string,
    private readonly admin: () => Promise<KafkaJsAdmin>,
    private readonly connect: (p: KafkaJsProducer) => Promise<void>,
  ) {
    this.producer = kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Java-compatible murmur2, the same partition as rtap's own partitioner for the same key.
      createPartitioner: Partitioners.DefaultPartitioner,
      // CONCURRENT_TRANSACTIONS after a kill -9 (the broker still aborting the dead producer's transaction)
      // is retriable: enough retries to outlast the abort.
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 2000 },
    });
  }

  /** Connects and runs InitProducerId, which fences a previous incarnation and aborts its transaction. */
  init(): Promise<void> {
    if (!this.connected) {
      this.connected = this.connect(this.producer);
      this.connected.catch(() => (this.connected = null));
    }
    return this.connected;
  }

  /** Offsets (next offset to read) the group has committed for `topics`; partitions without one are left out. */
  async committedOffsets(groupId: string, topics: string[]): Promise<PartitionOffsets> {
    // A group new to the broker (or whose coordinator moved) answers NOT_COORDINATOR /
    // COORDINATOR_LOAD_IN_PROGRESS until its __consumer_offsets partition is loaded; kafkajs's admin does
    // not retry fetchOffsets on those, so retriable errors are retried here for a bounded time.
    const deadline = Date.now() + 30_000;
    for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
      try {
        const admin = await this.admin();
        const res = await admin.fetchOffsets({ groupId, topics });
        return res.flatMap((t) =>
          t.partitions.filter((p) => Number(p.offset) >= 0).map((p) => ({ topic: t.topic, partition: p.partition, offset: Number(p.offset), metadata: p.metadata })),
        );
      } catch (err) {
        if (isFatal(err) || Date.now() + wait > deadline) {
          throw new RtapError(`kafka: reading the committed offsets of group ${groupId}: ${describeKafkaError(err)}`);
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /** One transaction: every message, plus the group's offsets; committed together or aborted together. */
  async commit(messages: Map<string, OutgoingMessage[]>, groupId: string, offsets: PartitionOffsets): Promise<void> {
    await this.init();
    const tx = await this.producer.transaction();
    try {
      const topicMessages = [...messages].filter(([, ms]) => ms.length > 0).map(([topic, ms]) => ({
        topic,
        messages: ms.map((m) => ({
          key: m.key,
          value: m.value,
          headers: m.headers,
          partition: m.partition,
          timestamp: m.timestamp !== undefined ? String(Math.floor(m.timestamp)) : undefined,
        })),
      }));
      if (topicMessages.length) await tx.sendBatch({ topicMessages, acks: -1 });
      if (offsets.length) {
        // kafkajs passes each partition's metadata through to TxnOffsetCommit (its types omit it).
        const byTopic = new Map<string, { partition: number; offset: string; metadata: string | null }[]>();
        for (const o of offsets) {
          let list = byTopic.get(o.topic);
          if (!list) byTopic.set(o.topic, (list = []));
          list.push({ partition: o.partition, offset: String(o.offset), metadata: o.metadata ?? null });
        }
        await tx.sendOffsets({ consumerGroupId: groupId, topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) });
      }
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => {});
      throw new RtapError(`kafka transaction ${this.transactionalId}: ${describeKafkaError(err)}`);
    }
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect().catch(() => {});
    this.connected = null;
  }
}

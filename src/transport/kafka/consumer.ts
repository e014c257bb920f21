import type { Consumer as KafkaJsConsumer, EachBatchPayload, IHeaders } from 'kafkajs';
import { RtapError } from '../../errors.js';
import type {
  ConsumedRecord,
  Consumer,
  ConsumerOptions,
  Headers,
  RecordBatch,
  TopicPartition,
} from '../types.js';
import { describeKafkaError } from './errors.js';

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** kafkajs record headers as rtap's (the last value of a repeated header, as UTF-8 text). */
export function headersOf(h: IHeaders | undefined): Headers {
  const out: Headers = {};
  if (!h) return out;
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    const one = Array.isArray(v) ? v[v.length - 1] : v;
    out[k] = Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
  }
  return out;
}

function flatten(assignment: Record<string, number[]>): TopicPartition[] {
  return Object.entries(assignment)
    .flatMap(([topic, ps]) => ps.map((partition) => ({ topic, partition })))
    .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

/**
 * A kafkajs consumer-group member behind the Transport seam. kafkajs's eachBatch is mapped to run(handler):
 * the handler is awaited before the partition's next batch (back-pressure), offsets are only committed
 * when the caller says so, and rebalances become onRevoked/onAssigned calls: kafkajs has no rebalance
 * listener, so the assignment announced by each GROUP_JOIN is compared with the previous one, and no
 * batch is delivered until both callbacks have finished.
 */
export class KafkaConsumer implements Consumer {
  private assigned: TopicPartition[] = [];
  private paused = new Set<string>();
  private rebalance: Promise<void> = Promise.resolve();
  private inHandler = 0;
  private handlerIdle: (() => void)[] = [];
  private stopping = false;
  private stopped: Promise<void> | null = null;
  private running = false;
  private kafkaRunning = false;
  private settle: { resolve(): void; reject(err: Error): void } | null = null;

  constructor(
    private readonly consumer: KafkaJsConsumer,
    private readonly options: ConsumerOptions,
    private readonly connect: (c: KafkaJsConsumer) => Promise<void>,
    private readonly partitionsConsumedConcurrently: number,
  ) {
    consumer.on(consumer.events.GROUP_JOIN, (e) => this.onJoin(e.payload.memberAssignment));
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart)
        this.fail(
          new RtapError(
            `kafka consumer (group ${options.groupId}) crashed: ${describeKafkaError(e.payload.error)}`,
          ),
        );
    });
  }

  private onJoin(memberAssignment: Record<string, number[]>): void {
    const next = flatten(memberAssignment);
    const nextKeys = new Set(next.map((tp) => tpKey(tp.topic, tp.partition)));
    const prevKeys = new Set(this.assigned.map((tp) => tpKey(tp.topic, tp.partition)));
    const revoked = this.assigned.filter((tp) => !nextKeys.has(tpKey(tp.topic, tp.partition)));
    const added = next.filter((tp) => !prevKeys.has(tpKey(tp.topic, tp.partition)));
    this.assigned = next;
    // kafkajs applies a seek before its next fetch of the partition; after every join, so that a rejoin
    // continues where rtap is, not where the (empty) member group would start.
    const positions = this.options.positions;
    if (positions) {
      for (const tp of next) {
        const at = positions(tp);
        if (at !== undefined)
          this.consumer.seek({ topic: tp.topic, partition: tp.partition, offset: String(at) });
      }
    }
    const previous = this.rebalance;
    this.rebalance = (async () => {
      await previous;
      if (revoked.length) await this.options.onRevoked?.(revoked);
      if (added.length) await this.options.onAssigned?.(added);
    })();
    this.rebalance.catch((err: Error) =>
      this.fail(new RtapError(`kafka consumer: rebalance callback failed: ${err.message}`)),
    );
  }

  run(handler: (batch: RecordBatch) => Promise<void>): Promise<void> {
    if (this.running) throw new Error('consumer is already running');
    this.running = true;
    const done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    void (async () => {
      try {
        await this.connect(this.consumer);
        await this.consumer.subscribe({
          topics: this.options.topics,
          fromBeginning: this.options.fromBeginning,
        });
        await this.consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: this.partitionsConsumedConcurrently,
          eachBatch: (payload) => this.onBatch(payload, handler),
        });
        this.kafkaRunning = true;
        this.applyPauses();
      } catch (err) {
        this.fail(
          err instanceof RtapError
            ? err
            : new RtapError(`kafka consumer (group ${this.options.groupId}): ${describeKafkaError(err)}`),
        );
      }
    })();
    return done;
  }

  private async onBatch(
    payload: EachBatchPayload,
    handler: (batch: RecordBatch) => Promise<void>,
  ): Promise<void> {
    const { batch } = payload;
    await this.rebalance;
    if (this.stopping || !payload.isRunning() || payload.isStale()) return;
    if (this.paused.has(tpKey(batch.topic, batch.partition))) return;
    if (batch.messages.length === 0) return;
    const records: ConsumedRecord[] = batch.messages.map((m) => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: Number(m.offset),
      key: m.key === null ? null : m.key.toString('utf8'),
      value: m.value ?? Buffer.alloc(0),
      headers: headersOf(m.headers),
      timestamp: Number(m.timestamp),
    }));
    this.inHandler++;
    try {
      await handler({
        topic: batch.topic,
        partition: batch.partition,
        records,
        highWatermark: Number(batch.highWatermark),
        nextOffset: Number(batch.lastOffset()) + 1,
      });
    } catch (err) {
      // Not rethrown: kafkajs would redeliver the batch forever. The run() promise rejects instead.
      this.fail(err as Error);
      return;
    } finally {
      if (--this.inHandler === 0) for (const w of this.handlerIdle.splice(0)) w();
    }
    payload.resolveOffset(batch.messages[batch.messages.length - 1].offset);
    await payload.heartbeat();
  }

  async commit(offsets: (TopicPartition & { offset: number })[]): Promise<void> {
    if (offsets.length === 0) return;
    try {
      await this.consumer.commitOffsets(
        offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })),
      );
    } catch (err) {
      throw new RtapError(
        `kafka consumer (group ${this.options.groupId}): commit failed: ${describeKafkaError(err)}`,
      );
    }
  }

  /** kafkajs only accepts pause/resume once run() has created its group; until then our set is the truth. */
  private applyPauses(): void {
    if (!this.kafkaRunning) return;
    const paused = [...this.paused].map((k) => k.split('\u0000'));
    if (paused.length) this.consumer.pause(paused.map(([topic, p]) => ({ topic, partitions: [Number(p)] })));
  }

  pause(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.paused.add(tpKey(tp.topic, tp.partition));
    this.applyPauses();
  }

  resume(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.paused.delete(tpKey(tp.topic, tp.partition));
    if (this.kafkaRunning)
      this.consumer.resume(partitions.map((tp) => ({ topic: tp.topic, partitions: [tp.partition] })));
  }

  assignment(): TopicPartition[] {
    return [...this.assigned];
  }

  private fail(err: Error): void {
    if (this.settle) {
      const s = this.settle;
      this.settle = null;
      void this.shutdown().finally(() => s.reject(err));
    }
  }

  /**
   * Graceful shutdown: no new batches, wait for the one in the handler, let onRevoked checkpoint and
   * commit while this member still owns its partitions, then leave the group and disconnect.
   */
  stop(): Promise<void> {
    const s = this.settle;
    this.settle = null;
    return this.shutdown().then(() => s?.resolve());
  }

  private shutdown(): Promise<void> {
    if (!this.stopped) {
      this.stopping = true;
      this.stopped = (async () => {
        if (this.inHandler > 0) await new Promise<void>((r) => this.handlerIdle.push(r));
        await this.rebalance.catch(() => {});
        try {
          if (this.running && this.assigned.length) await this.options.onRevoked?.(this.assigned);
        } finally {
          await this.consumer.disconnect().catch(() => {});
        }
      })();
    }
    return this.stopped;
  }
}

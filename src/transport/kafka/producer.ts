import { RtapError } from '../../errors.js';
import { partitionForKey } from '../partitioner.js';
import type { DeliveryReport, OutgoingMessage, Producer } from '../types.js';
import type { BatchClient, ClientMessage, PartitionBase } from './batch-client.js';
import type { PartitionCounts } from './metadata.js';
import type { ProducerTuning } from './options.js';
import { recordBytes } from './record-size.js';

/** One send() call: resolves when all of its messages are acknowledged. */
interface Request {
  topic: string;
  reports: DeliveryReport[];
  remaining: number;
  enqueuedAt: number;
  resolve(reports: DeliveryReport[]): void;
  reject(err: Error): void;
  failed: boolean;
}

interface Queued {
  request: Request;
  /** Index of this message in its request's report list. */
  index: number;
  partition: number;
  message: ClientMessage;
  bytes: number;
}

export interface ProducerStats {
  /** Produce requests sent (sendBatch calls that succeeded). */
  batches: number;
  messages: number;
  /** Failed attempts that were retried. */
  retries: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The Kafka producer behind the Transport seam, on any client library (BatchClient: kafkajs, or
 * @platformatic/kafka). The client sends what it is given, one request per call, so batching is done here: send() queues messages; a batch goes out when it reaches batchMaxMessages /
 * batchMaxBytes or when its first message has waited lingerMs. One batch is in flight at a time (the
 * idempotent producer's ordering guarantee needs it), and the next fills up meanwhile, so batches grow
 * with load. The client retries each request itself first (per broker, keeping the sequence numbers of
 * the idempotent producer, so the broker drops a duplicate of a write whose ack was lost). When it
 * gives up (a broker down for longer), the batch is sent again unchanged, with backoff, until
 * deliveryTimeoutMs; then its send() calls reject with the cause. Caveat: on a multi-broker cluster,
 * a batch whose request succeeded on one broker and was given up on another is resent whole, so the
 * first broker's part can be written twice: downstream dedup by event_id covers that case.
 */
export class KafkaProducer implements Producer {
  private queue: Queued[] = [];
  private buffered = 0;
  private lingerTimer: NodeJS.Timeout | null = null;
  private pumping: Promise<void> | null = null;
  private roomWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private roundRobin = new Map<string, number>();
  private connected: Promise<void> | null = null;
  private closed = false;
  readonly stats: ProducerStats = { batches: 0, messages: 0, retries: 0 };

  constructor(
    private readonly client: BatchClient,
    private readonly counts: PartitionCounts,
    private readonly tuning: ProducerTuning,
  ) {}

  private ensureConnected(): Promise<void> {
    if (!this.connected) {
      this.connected = this.client.connect();
      this.connected.catch(() => (this.connected = null));
    }
    return this.connected;
  }

  async connect(topics: string[]): Promise<void> {
    try {
      await this.ensureConnected();
      for (const t of topics) await this.counts.get(t);
    } catch (err) {
      throw err instanceof RtapError ? err : new RtapError(`kafka producer: ${this.client.describe(err)}`);
    }
  }

  async send(topic: string, messages: OutgoingMessage[]): Promise<DeliveryReport[]> {
    if (this.closed) throw new RtapError('kafka producer: send() after close()');
    if (messages.length === 0) return [];
    let partitions: number;
    try {
      await this.ensureConnected();
      partitions = await this.counts.get(topic);
    } catch (err) {
      throw err instanceof RtapError ? err : new RtapError(`kafka producer: ${this.client.describe(err)}`);
    }
    // Back-pressure: a caller that does not await its sends cannot grow the buffer without bound.
    while (this.buffered >= this.tuning.maxBufferedMessages)
      await new Promise<void>((r) => this.roomWaiters.push(r));
    if (this.closed) throw new RtapError('kafka producer: send() after close()');

    return new Promise<DeliveryReport[]>((resolve, reject) => {
      const request: Request = {
        topic,
        reports: new Array(messages.length),
        remaining: messages.length,
        enqueuedAt: Date.now(),
        resolve,
        reject,
        failed: false,
      };
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i];
        let p: number;
        if (m.partition !== undefined) {
          if (!Number.isInteger(m.partition) || m.partition < 0 || m.partition >= partitions) {
            reject(
              new RtapError(
                `kafka producer: topic ${topic} has no partition ${m.partition} (it has ${partitions})`,
              ),
            );
            return;
          }
          p = m.partition;
        } else if (m.key !== null) {
          p = partitionForKey(m.key, partitions);
        } else {
          const next = this.roundRobin.get(topic) ?? 0;
          this.roundRobin.set(topic, next + 1);
          p = next % partitions;
        }
        const message: ClientMessage = {
          key: m.key,
          value: m.value,
          partition: p,
          headers: m.headers,
          timestamp: m.timestamp,
        };
        this.queue.push({
          request,
          index: i,
          partition: p,
          message,
          bytes: recordBytes(m.key, m.value, m.headers),
        });
      }
      this.buffered += messages.length;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.pumping) return; // the running pump picks the new messages up when its batch completes
    if (this.queue.length >= this.tuning.batchMaxMessages || this.tuning.lingerMs === 0) {
      this.startPump();
    } else if (!this.lingerTimer) {
      this.lingerTimer = setTimeout(() => {
        this.lingerTimer = null;
        this.startPump();
      }, this.tuning.lingerMs);
    }
  }

  private startPump(): void {
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = null;
    }
    if (this.pumping || this.queue.length === 0) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
      if (this.queue.length > 0) this.schedule();
      else for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  private takeBatch(): Queued[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < this.tuning.batchMaxMessages) {
      bytes += this.queue[n].bytes;
      if (n > 0 && bytes > this.tuning.batchMaxBytes) break;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const taken = this.takeBatch();
      // Messages of a send() whose earlier part already failed are not sent: that call has rejected.
      const batch = taken.filter((q) => !q.request.failed);
      if (batch.length > 0) {
        try {
          const metadata = await this.sendWithRetry(batch);
          this.acknowledge(batch, metadata);
        } catch (err) {
          this.fail(batch, err as Error);
        }
      }
      this.buffered -= taken.length;
      for (const w of this.roomWaiters.splice(0)) w();
    }
  }

  private async sendWithRetry(batch: Queued[]): Promise<PartitionBase[]> {
    const byTopic = new Map<string, ClientMessage[]>();
    for (const q of batch) {
      let list = byTopic.get(q.request.topic);
      if (!list) byTopic.set(q.request.topic, (list = []));
      list.push(q.message);
    }
    const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    // The deadline counts from the oldest message's send(), like delivery.timeout.ms.
    const deadline = Math.min(...batch.map((q) => q.request.enqueuedAt)) + this.tuning.deliveryTimeoutMs;
    let backoff = 100;
    for (let attempt = 1; ; attempt++) {
      try {
        const md = await this.client.sendBatch(topicMessages);
        this.stats.batches++;
        this.stats.messages += batch.length;
        return md;
      } catch (err) {
        if (this.client.isFatal(err)) throw err;
        if (Date.now() + backoff > deadline) {
          const topics = [...byTopic.keys()].join(', ');
          throw new RtapError(
            `kafka producer: ${batch.length} message(s) to ${topics} not acknowledged within the delivery timeout of ${Math.round(this.tuning.deliveryTimeoutMs / 1000)}s after ${attempt} attempt(s): ${this.client.describe(err)}`,
          );
        }
        this.stats.retries++;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  private acknowledge(batch: Queued[], metadata: PartitionBase[]): void {
    const base = new Map<string, number>();
    for (const md of metadata) base.set(`${md.topic}\u0000${md.partition}`, md.baseOffset);
    // Records of one partition are appended in batch order from its base offset.
    const seen = new Map<string, number>();
    for (const q of batch) {
      const k = `${q.request.topic}\u0000${q.partition}`;
      const i = seen.get(k) ?? 0;
      seen.set(k, i + 1);
      const b = base.get(k);
      q.request.reports[q.index] = {
        topic: q.request.topic,
        partition: q.partition,
        offset: b === undefined || b < 0 ? -1 : b + i,
      };
      if (--q.request.remaining === 0 && !q.request.failed) q.request.resolve(q.request.reports);
    }
  }

  private fail(batch: Queued[], err: Error): void {
    const e = err instanceof RtapError ? err : new RtapError(`kafka producer: ${this.client.describe(err)}`);
    for (const q of batch) {
      if (!q.request.failed) {
        q.request.failed = true;
        q.request.reject(e);
      }
    }
  }

  /** Sends everything queued now (no linger) and resolves when it is acknowledged or failed. */
  async flush(): Promise<void> {
    if (this.queue.length === 0 && !this.pumping) return;
    const idle = new Promise<void>((r) => this.idleWaiters.push(r));
    this.startPump();
    await idle;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    for (const w of this.roomWaiters.splice(0)) w();
    if (this.connected) await this.client.disconnect().catch(() => {});
  }
}

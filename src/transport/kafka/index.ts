import { randomUUID } from 'node:crypto';
import kafkajs, {
  type Admin as KafkaJsAdmin,
  type Consumer as KafkaJsConsumer,
  type Producer as KafkaJsProducer,
} from 'kafkajs';
import type { Admin, Consumer, ConsumerOptions, Producer, ProducerOptions, Transport } from '../types.js';
import { KafkaAdmin } from './admin.js';
import { taskAssigner } from './assignor.js';
import { registerCodecs } from './codecs.js';
import { KafkaConsumer } from './consumer.js';
import { securityFailure, unreachable, withDeadline } from './errors.js';
import { PartitionCounts } from './metadata.js';
import { resolveKafkaOptions, type KafkaTransportOptions, type ResolvedKafkaOptions } from './options.js';
import type { BatchClient } from './batch-client.js';
import { kafkajsBatchClient } from './kafkajs-client.js';
import { platformaticBatchClient, type PlatformaticClientOptions } from './platformatic-client.js';
import { KafkaProducer } from './producer.js';
import { scanPartition, type ScannedRecord } from './scan.js';
import { KafkaTransactions, type Transactions } from './transactions.js';
import { TransactionsThread } from './transactions-thread.js';

const { Kafka } = kafkajs;

/** Apache Kafka through kafkajs, behind the same Transport seam as the embedded log. */
export class KafkaTransport implements Transport {
  readonly kind = 'kafka' as const;
  readonly description: string;
  readonly options: ResolvedKafkaOptions;
  private readonly kafka: InstanceType<typeof Kafka>;
  private adminClient: Promise<KafkaJsAdmin> | null = null;
  private readonly counts: PartitionCounts;
  private readonly open = new Set<{ close(): Promise<void> }>();

  /** Where the transactions run: a thread started with the first transactions() (transactions-thread.ts). */
  private txThread: TransactionsThread | null = null;

  constructor(private readonly given: KafkaTransportOptions) {
    const options = given;
    registerCodecs();
    this.options = resolveKafkaOptions(options);
    this.description = `kafka ${this.options.brokers.join(',')}`;
    this.kafka = new Kafka(this.options.kafkajs);
    this.counts = new PartitionCounts(
      () => this.sharedAdmin(),
      this.options.brokers,
      this.options.producer.deliveryTimeoutMs,
    );
  }

  /**
   * Connects `client` or fails with a clear error once connectTimeoutMs has passed; kafkajs alone would
   * keep retrying with backoff far longer than anyone waits for an unreachable broker.
   */
  async connectBounded(client: { connect(): Promise<void>; disconnect(): Promise<void> }): Promise<void> {
    const { brokers, connectTimeoutMs } = this.options;
    const started = Date.now();
    let last: unknown;
    const attempt = client.connect().catch((err) => {
      last = err;
      throw err;
    });
    try {
      await withDeadline(
        attempt,
        connectTimeoutMs,
        () => securityFailure(brokers, last) ?? unreachable(brokers, connectTimeoutMs, last),
      );
    } catch (err) {
      attempt.catch(() => {});
      await client.disconnect().catch(() => {});
      if ((err as Error).name === 'RtapError') throw err;
      throw securityFailure(brokers, err) ?? unreachable(brokers, Date.now() - started, err);
    }
  }

  /** One admin connection per transport, opened on first use (metadata lookups and the Admin seam). */
  sharedAdmin(): Promise<KafkaJsAdmin> {
    if (!this.adminClient) {
      const a = this.kafka.admin({ retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 } });
      this.adminClient = this.connectBounded(a).then(() => a);
      this.adminClient.catch(() => (this.adminClient = null));
    }
    return this.adminClient;
  }

  admin(): Admin {
    return new KafkaAdmin(
      () => this.sharedAdmin(),
      (names) => names.forEach((n) => this.counts.invalidate(n)),
    );
  }

  /** The producing client library's side of a producer (options.client). */
  private batchClient(options: ProducerOptions, kp: () => KafkaJsProducer): BatchClient {
    const o = this.options;
    if (o.client === 'kafkajs')
      return kafkajsBatchClient(kp(), (c) => this.connectBounded(c), o.producer.compression);
    const tls = o.kafkajs.ssl;
    return platformaticBatchClient({
      brokers: o.brokers,
      clientId: options.clientId ?? o.clientId,
      compression: o.producer.compression,
      tls: tls === true ? true : tls ? (tls as PlatformaticClientOptions['tls']) : undefined,
      sasl: o.sasl,
      connectionTimeoutMs: o.kafkajs.connectionTimeout ?? 3000,
      requestTimeoutMs: o.kafkajs.requestTimeout ?? 30_000,
      connectBounded: (c) => this.connectBounded(c),
    });
  }

  producer(options: ProducerOptions = {}): Producer {
    const p = this.options.producer;
    // kafkajs sets the client id per client instance: a producer with its own id gets its own instance.
    const client = options.clientId
      ? new Kafka({ ...this.options.kafkajs, clientId: options.clientId })
      : this.kafka;
    const kp = () =>
      client.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // Internal retries per request (see KafkaProducer): a few seconds, then rtap's delivery deadline takes over.
        retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 2000 },
      });
    const producer = new KafkaProducer(this.batchClient(options, kp), this.counts, p);
    this.open.add(producer);
    return producer;
  }

  /**
   * A transactional producer (exactly-once outputs + offsets), on the transport's transactions thread;
   * closed with the transport.
   */
  transactions(transactionalId: string): Transactions {
    this.txThread ??= new TransactionsThread(
      this.given,
      this.given.log ?? ((line) => process.stderr.write(line + '\n')),
    );
    const t = this.txThread.transactions(transactionalId);
    this.open.add(t);
    return t;
  }

  /** The same, run on the calling thread (what the transactions thread itself runs). */
  localTransactions(transactionalId: string): KafkaTransactions {
    const t = new KafkaTransactions(
      this.kafka,
      transactionalId,
      () => this.sharedAdmin(),
      (p: KafkaJsProducer) => this.connectBounded(p),
      this.counts,
    );
    this.open.add(t);
    return t;
  }

  /** Reads a partition's committed records from its start until `visit` returns true or its end (scan.ts). */
  async scan(topic: string, partition: number, visit: (r: ScannedRecord) => boolean): Promise<boolean> {
    return scanPartition(
      this.kafka,
      await this.sharedAdmin(),
      (c) => this.connectBounded(c),
      topic,
      partition,
      visit,
    );
  }

  consumer(options: ConsumerOptions): Consumer {
    const c = this.options.consumer;
    // Scale-out: a killed member's tasks move to the others once its session expires, so keep it short.
    const sessionTimeout = options.tasks ? Math.min(c.sessionTimeoutMs, 10_000) : c.sessionTimeoutMs;
    const kc = this.kafka.consumer({
      // With rtap-owned positions the group only hands this process every partition: one of its own,
      // which nobody else joins and which holds no offsets (the broker drops it once the member is gone).
      groupId:
        options.positions && !options.tasks
          ? `${options.groupId}.member-${randomUUID().slice(0, 8)}`
          : options.groupId,
      ...(options.tasks
        ? { partitionAssigners: [taskAssigner(options.tasks.panesTopic, options.tasks.units)] }
        : {}),
      allowAutoTopicCreation: false,
      sessionTimeout,
      // Heartbeats must come well within the session timeout (Kafka recommends a third of it).
      heartbeatInterval: Math.min(c.heartbeatIntervalMs, Math.floor(sessionTimeout / 3)),
      maxBytesPerPartition: c.maxBytesPerPartition,
      maxWaitTimeInMs: c.maxWaitTimeMs,
      retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 2000 },
    });
    const consumer = new KafkaConsumer(
      kc,
      options,
      (k: KafkaJsConsumer) => this.connectBounded(k),
      c.partitionsConsumedConcurrently,
      () => this.sharedAdmin(),
    );
    this.open.add({ close: () => consumer.stop() });
    return consumer;
  }

  async close(): Promise<void> {
    for (const c of [...this.open].reverse()) await c.close().catch(() => {});
    this.open.clear();
    await this.txThread?.close();
    this.txThread = null;
    if (this.adminClient) {
      const a = await this.adminClient.catch(() => null);
      this.adminClient = null;
      await a?.disconnect().catch(() => {});
    }
  }
}

export function createKafkaTransport(options: KafkaTransportOptions): KafkaTransport {
  return new KafkaTransport(options);
}

export { KafkaTransactions, type PartitionOffsets, type Transactions } from './transactions.js';
export { KAFKA_CLIENTS, DEFAULT_KAFKA_CLIENT, type KafkaClientName } from './options.js';
export type {
  KafkaTransportOptions,
  ProducerTuning,
  ConsumerTuning,
  SaslOptions,
  TlsOptions,
} from './options.js';
export { COMPRESSIONS, type Compression } from './codecs.js';

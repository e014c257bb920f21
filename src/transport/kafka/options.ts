import { readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { UsageError } from '../../errors.js';
import { DEFAULT_KAFKA_CLIENT, KAFKA_CLIENTS, type KafkaClientName } from './clients.js';
import { COMPRESSIONS, type Compression } from './codecs.js';
import { DEFAULT_BATCH_BYTES } from './record-size.js';
import { KAFKA_LOG_LEVELS, levelFromEnv, plainLogCreator, type KafkaLogLevel } from './logger.js';

export interface SaslOptions {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

export interface TlsOptions {
  /** PEM files; omitted ones fall back to the system trust store / no client certificate. */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** false only for self-signed test clusters. */
  rejectUnauthorized?: boolean;
}

export interface ProducerTuning {
  /** How long the first message of a batch may wait for company before the batch is sent (ms). */
  lingerMs: number;
  /** Most messages in one produce request. */
  batchMaxMessages: number;
  /** Most bytes of records (recordBytes(): key, value, headers, framing) in one produce request. */
  batchMaxBytes: number;
  compression: Compression;
  /**
   * How long a message may take from send() to acknowledgement, retries included, before send() rejects
   * (like the Java client's delivery.timeout.ms).
   */
  deliveryTimeoutMs: number;
  /** send() waits (back-pressure) while this many messages are buffered and unacknowledged. */
  maxBufferedMessages: number;
}

export interface ConsumerTuning {
  maxBytesPerPartition: number;
  /** How long the broker holds a fetch when there is nothing new. */
  maxWaitTimeMs: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Partitions whose handlers may run at once; 1 keeps the embedded log's one-batch-at-a-time order. */
  partitionsConsumedConcurrently: number;
}

export { KAFKA_CLIENTS, DEFAULT_KAFKA_CLIENT, type KafkaClientName } from './clients.js';

export interface KafkaTransportOptions {
  brokers: string[];
  /** The producing client library (default DEFAULT_KAFKA_CLIENT). */
  client?: KafkaClientName;
  clientId?: string;
  ssl?: boolean | TlsOptions;
  sasl?: SaslOptions;
  /** TCP connect timeout per attempt. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Bound on reaching the cluster at all: past it, a clear "cannot reach" error instead of endless retries. */
  connectTimeoutMs?: number;
  producer?: Partial<ProducerTuning>;
  consumer?: Partial<ConsumerTuning>;
  logLevel?: KafkaLogLevel;
  /** Where kafkajs log lines go when logLevel is not 'nothing' (stderr by default). */
  log?: (line: string) => void;
}

export interface ResolvedKafkaOptions {
  brokers: string[];
  client: KafkaClientName;
  ssl?: boolean | TlsOptions;
  sasl?: SaslOptions;
  clientId: string;
  connectTimeoutMs: number;
  producer: ProducerTuning;
  consumer: ConsumerTuning;
  kafkajs: KafkaConfig;
}

export const PRODUCER_DEFAULTS: ProducerTuning = {
  lingerMs: 5,
  batchMaxMessages: 2000,
  batchMaxBytes: DEFAULT_BATCH_BYTES,
  compression: 'none',
  deliveryTimeoutMs: 120_000,
  maxBufferedMessages: 100_000,
};

export const CONSUMER_DEFAULTS: ConsumerTuning = {
  maxBytesPerPartition: 1024 * 1024,
  maxWaitTimeMs: 250,
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3000,
  partitionsConsumedConcurrently: 1,
};

function positive(where: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v < 0)
    throw new UsageError(`kafka options: ${where} must be a number ≥ 0, got ${v}`);
  return v;
}

function readPem(where: string, file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`kafka options: cannot read ${where} file ${file}: ${(err as Error).message}`);
  }
}

/** Validates options (errors name the offending field) and builds the kafkajs client configuration. */
export function resolveKafkaOptions(
  o: KafkaTransportOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedKafkaOptions {
  if (!Array.isArray(o.brokers) || o.brokers.length === 0)
    throw new UsageError('kafka options: brokers must list at least one host:port');
  for (const b of o.brokers)
    if (!/^[^\s:,]+:\d{1,5}$/.test(b)) throw new UsageError(`kafka options: broker '${b}' is not host:port`);
  const p = { ...PRODUCER_DEFAULTS, ...o.producer };
  if (!COMPRESSIONS.includes(p.compression))
    throw new UsageError(
      `kafka options: compression must be one of ${COMPRESSIONS.join(', ')}, got '${p.compression}'`,
    );
  p.lingerMs = positive('producer.lingerMs', p.lingerMs, PRODUCER_DEFAULTS.lingerMs);
  p.deliveryTimeoutMs = positive(
    'producer.deliveryTimeoutMs',
    p.deliveryTimeoutMs,
    PRODUCER_DEFAULTS.deliveryTimeoutMs,
  );
  for (const k of ['batchMaxMessages', 'batchMaxBytes', 'maxBufferedMessages'] as const) {
    if (!Number.isInteger(p[k]) || p[k] < 1)
      throw new UsageError(`kafka options: producer.${k} must be a whole number ≥ 1, got ${p[k]}`);
  }
  const client = o.client ?? DEFAULT_KAFKA_CLIENT;
  if (!KAFKA_CLIENTS.includes(client))
    throw new UsageError(`kafka options: client must be one of ${KAFKA_CLIENTS.join(', ')}, got '${client}'`);
  const c = { ...CONSUMER_DEFAULTS, ...o.consumer };
  if (!Number.isInteger(c.partitionsConsumedConcurrently) || c.partitionsConsumedConcurrently < 1) {
    throw new UsageError(
      `kafka options: consumer.partitionsConsumedConcurrently must be a whole number ≥ 1, got ${c.partitionsConsumedConcurrently}`,
    );
  }
  let sasl: SASLOptions | undefined;
  if (o.sasl) {
    if (!['plain', 'scram-sha-256', 'scram-sha-512'].includes(o.sasl.mechanism)) {
      throw new UsageError(
        `kafka options: sasl.mechanism must be plain, scram-sha-256 or scram-sha-512, got '${o.sasl.mechanism}'`,
      );
    }
    if (!o.sasl.username) throw new UsageError('kafka options: sasl.username is empty');
    sasl = {
      mechanism: o.sasl.mechanism,
      username: o.sasl.username,
      password: o.sasl.password,
    } as SASLOptions;
  }
  let ssl: KafkaConfig['ssl'];
  if (o.ssl === true) ssl = true;
  else if (o.ssl && typeof o.ssl === 'object') {
    ssl = {
      ca: readPem('ssl.caFile', o.ssl.caFile),
      cert: readPem('ssl.certFile', o.ssl.certFile),
      key: readPem('ssl.keyFile', o.ssl.keyFile),
      rejectUnauthorized: o.ssl.rejectUnauthorized ?? true,
    };
  }
  const level = o.logLevel ?? levelFromEnv(env);
  if (!(level in KAFKA_LOG_LEVELS))
    throw new UsageError(
      `kafka options: logLevel must be one of ${Object.keys(KAFKA_LOG_LEVELS).join(', ')}`,
    );
  const sink = o.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const clientId = o.clientId ?? 'rtap';
  return {
    brokers: o.brokers,
    client,
    ssl: o.ssl,
    sasl: o.sasl,
    clientId,
    connectTimeoutMs: positive('connectTimeoutMs', o.connectTimeoutMs, 15_000),
    producer: p,
    consumer: c,
    kafkajs: {
      clientId,
      brokers: o.brokers,
      ssl,
      sasl,
      connectionTimeout: positive('connectionTimeoutMs', o.connectionTimeoutMs, 3000),
      requestTimeout: positive('requestTimeoutMs', o.requestTimeoutMs, 30_000),
      // kafkajs retries inside each call; rtap's producer and connect add their own deadline on top.
      retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 5 },
      logLevel: KAFKA_LOG_LEVELS[level],
      logCreator: plainLogCreator(sink),
    },
  };
}

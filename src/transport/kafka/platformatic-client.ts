import type { Producer as PlatformaticProducer } from '@platformatic/kafka';
import type { BatchClient } from './batch-client.js';
import type { Compression } from './codecs.js';
import { FATAL_TYPES } from './errors.js';
import type { SaslOptions } from './options.js';

interface PlatformaticErrorLike extends Error {
  code?: string;
  apiId?: string;
  canRetry?: boolean;
  errors?: unknown[];
  cause?: unknown;
}

/** Every error of a platformatic error tree (MultipleErrors nests one per partition or broker). */
function leaves(err: unknown, out: PlatformaticErrorLike[] = [], depth = 0): PlatformaticErrorLike[] {
  const e = err as PlatformaticErrorLike;
  const nested = [...(Array.isArray(e?.errors) ? e.errors : []), ...(e?.cause ? [e.cause] : [])];
  if (nested.length === 0 || depth > 5) out.push(e);
  for (const n of nested) leaves(n, out, depth + 1);
  return out;
}

export function platformaticFatal(err: unknown): boolean {
  return leaves(err).some(
    (e) =>
      // A programming error while encoding the request (a bad argument): resending cannot help.
      e instanceof TypeError ||
      e instanceof RangeError ||
      e?.code === 'PLT_KFK_USER' ||
      e?.code === 'PLT_KFK_AUTHENTICATION' ||
      (e?.apiId !== undefined && FATAL_TYPES.has(e.apiId)),
  );
}

export function describePlatformatic(err: unknown): string {
  const outer = err as Error;
  const inner = [...new Set(leaves(err).map((e) => (e?.apiId ? `${e.apiId}: ${e.message}` : e?.message)))];
  const first = inner.filter(Boolean).slice(0, 3).join('; ');
  return first && first !== outer?.message
    ? `${outer?.message ?? String(err)}: ${first}`
    : String(outer?.message ?? err);
}

export interface PlatformaticClientOptions {
  brokers: string[];
  clientId: string;
  compression: Compression;
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean } | true;
  sasl?: SaslOptions;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  /** Bounded connect (the transport's: a clear "cannot reach" error after connectTimeoutMs). */
  connectBounded(c: { connect(): Promise<void>; disconnect(): Promise<void> }): Promise<void>;
}

const SASL = { plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' } as const;

/**
 * @platformatic/kafka's idempotent producer as a BatchClient (pure JavaScript, so every generator
 * thread can have one). Imported on first use only: kafkajs runs never load it. Its idempotent
 * producer advances a partition's sequence number when the answer arrives, so like kafkajs it takes
 * one request at a time, which KafkaProducer guarantees.
 */
export function platformaticBatchClient(o: PlatformaticClientOptions): BatchClient {
  let producer: PlatformaticProducer<Buffer, Buffer, Buffer, Buffer> | null = null;
  // Loading the library takes a while (it compiles its option schemas): start now, not at the first send.
  const library = import('@platformatic/kafka');
  library.catch(() => {});
  return {
    async connect() {
      const { Producer, ProduceAcks } = await library;
      const p = new Producer<Buffer, Buffer, Buffer, Buffer>({
        clientId: o.clientId,
        bootstrapBrokers: o.brokers,
        idempotent: true,
        acks: ProduceAcks.ALL,
        autocreateTopics: false,
        compression: o.compression,
        connectTimeout: o.connectionTimeoutMs,
        requestTimeout: o.requestTimeoutMs,
        timeout: o.requestTimeoutMs,
        // A few quick retries of its own (about a second), then KafkaProducer's resend with backoff until
        // the delivery timeout, as with kafkajs: the sequence numbers stay, so the broker drops a resent
        // duplicate of a write whose answer was lost.
        retries: 3,
        retryDelay: 250,
        ...(o.tls ? { tls: o.tls === true ? {} : o.tls } : {}),
        ...(o.sasl
          ? {
              sasl: {
                mechanism: SASL[o.sasl.mechanism],
                username: o.sasl.username,
                password: o.sasl.password,
              },
            }
          : {}),
      });
      // It connects lazily: a metadata request proves the cluster answers. Its own retries give up after
      // a few attempts; like kafkajs's connect, keep trying until the transport's bound says stop.
      let closed = false;
      await o.connectBounded({
        connect: async () => {
          for (let wait = 100; ; wait = Math.min(2 * wait, 1000)) {
            try {
              await p.metadata({ topics: [] });
              return;
            } catch (err) {
              if (closed || platformaticFatal(err)) throw err;
              await new Promise((r) => setTimeout(r, wait));
            }
          }
        },
        disconnect: async () => {
          closed = true;
          await p.close();
        },
      });
      producer = p;
    },
    async sendBatch(batch) {
      const messages = [];
      for (const { topic, messages: ms } of batch) {
        for (const m of ms) {
          messages.push({
            topic,
            key: m.key === null ? undefined : Buffer.from(m.key),
            value: m.value,
            partition: m.partition,
            headers: m.headers
              ? new Map(Object.entries(m.headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)]))
              : undefined,
            timestamp: m.timestamp !== undefined ? BigInt(Math.floor(m.timestamp)) : undefined,
          });
        }
      }
      const result = await producer!.send({ messages });
      return (result.offsets ?? []).map((r) => ({
        topic: r.topic,
        partition: r.partition,
        baseOffset: Number(r.offset),
      }));
    },
    disconnect: async () => {
      await producer?.close();
    },
    isFatal: platformaticFatal,
    describe: describePlatformatic,
  };
}

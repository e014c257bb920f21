import type { Headers } from '../types.js';

/** A record for one partition, placed by rtap's own partitioner. */
export interface ClientMessage {
  key: string | null;
  value: Buffer;
  partition: number;
  headers?: Headers;
  /** Epoch ms; the append time when absent. */
  timestamp?: number;
}

/** Where a partition's records of one request were appended. */
export interface PartitionBase {
  topic: string;
  partition: number;
  /** -1 when the client does not say. */
  baseOffset: number;
}

/**
 * What KafkaProducer needs of a Kafka client library: one produce request per call (acks=all,
 * idempotent), answered with each partition's base offset. The batching, back-pressure and delivery
 * deadline on top are rtap's, the same for every client.
 */
export interface BatchClient {
  connect(): Promise<void>;
  sendBatch(batch: { topic: string; messages: ClientMessage[] }[]): Promise<PartitionBase[]>;
  disconnect(): Promise<void>;
  /** A failure no retry fixes (too large, not authorised, ...): fail at once instead of retrying. */
  isFatal(err: unknown): boolean;
  describe(err: unknown): string;
}

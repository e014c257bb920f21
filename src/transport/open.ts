import { createEmbeddedTransport } from './embedded/index.js';
import { DEFAULT_PARTITIONS } from './topics.js';
import type { Transport } from './types.js';

export interface TransportOptions {
  /** Kafka bootstrap brokers; absent = the embedded in-process log. */
  brokers?: string[];
  clientId?: string;
}

/**
 * The one place that picks the transport: Kafka when brokers are given, else the embedded log with the
 * reference topology already created (a newcomer's run needs no provisioning step).
 */
export async function openTransport(options: TransportOptions = {}): Promise<Transport> {
  if (options.brokers?.length) {
    const { createKafkaTransport } = await import('./kafka/index.js');
    return createKafkaTransport({ brokers: options.brokers, clientId: options.clientId ?? 'rtap' });
  }
  return createEmbeddedTransport({
    topics: Object.entries(DEFAULT_PARTITIONS).map(([name, partitions]) => ({ name, partitions, replicationFactor: 1, config: {} })),
  });
}

import { createEmbeddedTransport, type EmbeddedOptions } from './embedded/index.js';
import type { KafkaTransportOptions } from './kafka/options.js';
import type { Transport } from './types.js';
import { DEFAULT_PARTITIONS } from './topics.js';

export interface OpenTransportOptions extends Partial<KafkaTransportOptions> {
  /** Options of the embedded log, used when no brokers are given. */
  embedded?: EmbeddedOptions;
}

/**
 * The one place commands get a Transport: Kafka when brokers are given (`--brokers`), else the embedded
 * in-process log. The Kafka client is imported lazily so embedded runs never load kafkajs.
 */
export async function openTransport(options: OpenTransportOptions = {}): Promise<Transport> {
  const { embedded, brokers, ...kafka } = options;
  if (brokers && brokers.length > 0) {
    const { createKafkaTransport } = await import('./kafka/index.js');
    return createKafkaTransport({ ...kafka, brokers });
  }
  // The embedded log starts with the reference topology, so a newcomer's run needs no provisioning step.
  return createEmbeddedTransport({
    topics: Object.entries(DEFAULT_PARTITIONS).map(([name, partitions]) => ({ name, partitions, replicationFactor: 1, config: {} })),
    ...embedded,
  });
}

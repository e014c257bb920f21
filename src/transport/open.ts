import { createEmbeddedTransport, type EmbeddedOptions } from './embedded/index.js';
import type { KafkaClientName, KafkaTransportOptions } from './kafka/options.js';
import { EXIT, RtapError } from '../errors.js';
import type { Transport } from './types.js';
import { DEFAULT_PIPELINE_TOPICS, type PipelineTopics } from './topics.js';

export interface OpenTransportOptions extends Partial<KafkaTransportOptions> {
  /** Options of the embedded log, used when no brokers are given. */
  embedded?: EmbeddedOptions;
  /** The pipeline's topics (a topology file): what the embedded log starts with. */
  topics?: PipelineTopics;
}

/**
 * The one place commands get a Transport: Kafka when brokers are given (`--brokers`), else the embedded
 * in-process log. The Kafka client is imported lazily so embedded runs never load kafkajs.
 */
export async function openTransport(options: OpenTransportOptions = {}): Promise<Transport> {
  const { embedded, brokers, topics, ...kafka } = options;
  if (brokers && brokers.length > 0) {
    const { createKafkaTransport } = await import('./kafka/index.js');
    return createKafkaTransport({ ...kafka, brokers });
  }
  // The embedded log starts with the reference topology, so a newcomer's run needs no provisioning step.
  return createEmbeddedTransport({
    topics: Object.entries((topics ?? DEFAULT_PIPELINE_TOPICS).partitions).map(([name, partitions]) => ({
      name,
      partitions,
      replicationFactor: 1,
      config: {},
    })),
    ...embedded,
  });
}

export interface KafkaSecurityFlags {
  /** --kafka-client: the producing client library. */
  kafkaClient?: KafkaClientName;
  ssl?: boolean;
  sslCa?: string;
  sslCert?: string;
  sslKey?: string;
  saslMechanism?: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  saslUsername?: string;
  saslPassword?: string;
}

/** Maps the --ssl* / --sasl-* flags and --kafka-client (src/commands/settings.ts) onto the Kafka transport options. */
export function kafkaSecurityOptions(
  o: KafkaSecurityFlags,
): Pick<KafkaTransportOptions, 'ssl' | 'sasl' | 'client'> {
  const out: Pick<KafkaTransportOptions, 'ssl' | 'sasl' | 'client'> = {};
  if (o.kafkaClient) out.client = o.kafkaClient;
  if (o.sslCa || o.sslCert || o.sslKey) out.ssl = { caFile: o.sslCa, certFile: o.sslCert, keyFile: o.sslKey };
  else if (o.ssl) out.ssl = true;
  if (o.saslMechanism) {
    if (!o.saslUsername)
      throw new RtapError(
        '--sasl-mechanism needs --sasl-username (and --sasl-password or RTAP_SASL_PASSWORD)',
        EXIT.USAGE,
      );
    out.sasl = { mechanism: o.saslMechanism, username: o.saslUsername, password: o.saslPassword ?? '' };
  }
  return out;
}

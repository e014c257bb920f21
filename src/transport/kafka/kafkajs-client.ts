import type { Message, Producer as KafkaJsProducer } from 'kafkajs';
import type { BatchClient } from './batch-client.js';
import { compressionType, type Compression } from './codecs.js';
import { describeKafkaError, isFatal } from './errors.js';

/** kafkajs's idempotent producer as a BatchClient: one sendBatch request per call. */
export function kafkajsBatchClient(
  producer: KafkaJsProducer,
  connect: (p: KafkaJsProducer) => Promise<void>,
  compression: Compression,
): BatchClient {
  return {
    connect: () => connect(producer),
    async sendBatch(batch) {
      const md = await producer.sendBatch({
        topicMessages: batch.map(({ topic, messages }) => ({
          topic,
          messages: messages.map((m): Message => ({
            key: m.key,
            value: m.value,
            partition: m.partition,
            headers: m.headers,
            timestamp: m.timestamp !== undefined ? String(Math.floor(m.timestamp)) : undefined,
          })),
        })),
        acks: -1,
        compression: compressionType(compression),
      });
      return md.map((m) => ({
        topic: m.topicName,
        partition: m.partition,
        baseOffset: Number(m.baseOffset ?? -1),
      }));
    },
    disconnect: () => producer.disconnect(),
    isFatal,
    describe: describeKafkaError,
  };
}

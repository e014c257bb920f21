/**
 * The client library that produces (docs/kafka.md has the measurements): @platformatic/kafka, or kafkajs.
 * Consumers, transactions and admin requests use kafkajs either way. A module of its own, without
 * imports, so the CLI's settings can name the default without loading a Kafka client.
 */
export const KAFKA_CLIENTS = ['kafkajs', 'platformatic'] as const;
export type KafkaClientName = (typeof KAFKA_CLIENTS)[number];
/** Faster than kafkajs in every produce row of bench/produce-rate.ts, at less CPU per record. */
export const DEFAULT_KAFKA_CLIENT: KafkaClientName = 'platformatic';

import { join } from 'node:path';
import { cacheDir } from '../stack/paths.js';
import { INPUT_TOPICS } from '../transport/topics.js';
import type { Transport } from '../transport/types.js';
import type { KafkaTransport } from '../transport/kafka/index.js';
import { KafkaCheckpointer, type Checkpointer } from './coordinator.js';
import { CheckpointStore } from './store.js';

export interface CheckpointSettings {
  group: string;
  /** 0 disables checkpointing (at-least-once, per-batch commits). */
  intervalMs: number;
  /** Default: <cache>/checkpoints/<group>. */
  dir?: string;
  inputTopics?: string[];
  /** Where retried checkpoint transactions are reported. */
  log?: (line: string) => void;
}

export function defaultCheckpointDir(group: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), 'checkpoints', group);
}

/** The checkpointer for `rtap process` on Kafka, or undefined when disabled or not on Kafka. */
export function openCheckpointer(transport: Transport, s: CheckpointSettings): Checkpointer | undefined {
  if (s.intervalMs <= 0 || transport.kind !== 'kafka') return undefined;
  const kafka = transport as KafkaTransport;
  const transactions = kafka.transactions(`rtap-${s.group}`);
  const log = s.log;
  // CONCURRENT_TRANSACTIONS right after a commit is routine (the broker still writes its markers): only
  // a transaction that keeps failing is worth a line.
  if (log) transactions.onRetry = (attempt, reason) => attempt >= 3 && log(`rtap process: checkpoint transaction attempt ${attempt} failed (${reason}); aborted, retrying`);
  return new KafkaCheckpointer({
    store: new CheckpointStore(s.dir ?? defaultCheckpointDir(s.group)),
    // One transactional id per group: a single process owns every partition, and its restart fences
    // the dead incarnation (kafkajs has no group-generation fencing, so this is what protects outputs).
    transactions,
    groupId: s.group,
    inputTopics: s.inputTopics ?? INPUT_TOPICS,
    intervalMs: s.intervalMs,
  });
}

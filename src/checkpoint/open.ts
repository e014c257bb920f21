import { join } from 'node:path';
import { cacheDir } from '../stack/paths.js';
import { INPUT_TOPICS } from '../transport/topics.js';
import type { Transport } from '../transport/types.js';
import type { KafkaTransport } from '../transport/kafka/index.js';
import { KafkaCheckpointer, type Checkpointer } from './coordinator.js';
import { DirectoryStore, type CheckpointStore } from './store.js';
import { TopicStore } from './topic-store.js';

export interface CheckpointSettings {
  group: string;
  /** 0 disables checkpointing (at-least-once: delivered offsets commit once a second). */
  intervalMs: number;
  /** 'dir' (default): files under `dir`; 'kafka': the group's compacted changelog topic (changelogTopic()). */
  store?: CheckpointStoreKind;
  /** Partitions of the changelog topic as it exists (default: as rtap creates it). */
  changelogPartitions?: number;
  /** Default: <cache>/checkpoints/<group>. */
  dir?: string;
  inputTopics?: string[];
  /** Where retried checkpoint transactions are reported. */
  log?: (line: string) => void;
}

export type CheckpointStoreKind = 'dir' | 'kafka';

/** The changelog topic of a group's checkpoints (--checkpoint-store kafka), created on first use. */
export const changelogTopic = (group: string) => `${group}-checkpoints`;

export function defaultCheckpointDir(group: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), 'checkpoints', group);
}

/** The checkpointer for `rtap process` on Kafka, or undefined when disabled or not on Kafka. */
export function openCheckpointer(transport: Transport, s: CheckpointSettings): Checkpointer | undefined {
  if (s.intervalMs <= 0 || transport.kind !== 'kafka') return undefined;
  // One transactional id per group: a single process owns every partition, and its restart fences
  // the dead incarnation (kafkajs has no group-generation fencing, so this is what protects outputs).
  return kafkaCheckpointer(
    transport as KafkaTransport,
    s,
    `rtap-${s.group}`,
    'all',
    s.inputTopics ?? INPUT_TOPICS,
  );
}

/**
 * Scale-out: the checkpointer of one task (`task-<p>`, `merge-<p>`), over the input partitions `owns`
 * accepts. Its transactional id is the task's, so whichever process takes the task over fences the one
 * before: kafkajs cannot fence by group generation.
 */
export function openTaskCheckpointer(
  transport: KafkaTransport,
  s: CheckpointSettings,
  task: string,
  topics: string[],
  owns: (tp: { topic: string; partition: number }) => boolean,
): Checkpointer {
  return kafkaCheckpointer(transport, s, `rtap-${s.group}-${task}`, task, topics, owns);
}

function kafkaCheckpointer(
  kafka: KafkaTransport,
  s: CheckpointSettings,
  transactionalId: string,
  /** The checkpointer's name: 'all' (one process owns the group) or the scale-out task. */
  name: string,
  inputTopics: string[],
  owns?: (tp: { topic: string; partition: number }) => boolean,
): KafkaCheckpointer {
  const transactions = kafka.transactions(transactionalId);
  const log = s.log;
  // CONCURRENT_TRANSACTIONS right after a commit is routine (the broker still writes its markers): only
  // a transaction that keeps failing is worth a line.
  if (log)
    transactions.onRetry = (attempt, reason) =>
      attempt >= 3 &&
      log(
        `rtap process: checkpoint transaction ${transactionalId} attempt ${attempt} failed (${reason}); aborted, retrying`,
      );
  return new KafkaCheckpointer({
    store: checkpointStore(kafka, s, name),
    transactions,
    groupId: s.group,
    inputTopics,
    owns,
    intervalMs: s.intervalMs,
  });
}

/** A directory under --checkpoint-dir (the task's subdirectory in scale-out), or the group's changelog topic. */
function checkpointStore(kafka: KafkaTransport, s: CheckpointSettings, name: string): CheckpointStore {
  if (s.store === 'kafka') return new TopicStore(kafka, changelogTopic(s.group), name, s.changelogPartitions);
  const dir = s.dir ?? defaultCheckpointDir(s.group);
  return new DirectoryStore(name === 'all' ? dir : join(dir, name));
}

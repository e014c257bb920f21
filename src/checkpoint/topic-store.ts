import { EXIT, RtapError } from '../errors.js';
import type { ScannedRecord } from '../transport/kafka/scan.js';
import type { OutgoingMessage } from '../transport/types.js';
import {
  checkpointTag,
  committedCheckpoint,
  missingCheckpoint,
  parseCheckpoint,
  type Checkpoint,
  type CheckpointStore,
  type CommittedOffset,
  type NewCheckpoint,
} from './store.js';

/** What the topic store needs of Kafka: a read_committed scan of one partition (KafkaTransport.scan). */
export interface ChangelogReader {
  scan(topic: string, partition: number, visit: (r: ScannedRecord) => boolean): Promise<boolean>;
}

/** Partitions of a changelog topic rtap creates; a checkpointer's records all go to one (changelogPartition). */
export const CHANGELOG_PARTITIONS = 12;

/**
 * The partition of a checkpointer's records: 0 for the single processor and the merge task (a group runs
 * one or the other), task n on 1 + n mod (partitions - 1). Each task has its partition to itself up to 11
 * tasks. That matters: a read_committed scan stops at the first open transaction, and only the task's
 * own transactional id, which its new owner fences before scanning, then writes there.
 */
export function changelogPartition(name: string, partitions: number): number {
  const task = /^task-(\d+)$/.exec(name);
  return task && partitions > 1 ? 1 + (Number(task[1]) % (partitions - 1)) : 0;
}

/** Largest checkpoint record: the topic is created with a max.message.bytes above it (changelogTopicConfig). */
export const MAX_CHECKPOINT_BYTES = 32 * 1024 * 1024 - 64 * 1024;

/**
 * Topic settings of a changelog: compacted, so it keeps the newest checkpoint of each key; records up to
 * 32 MiB; the active segment rolls every 10 minutes so compaction reaches it, and a restore reads little
 * more than one record per key.
 */
export const changelogTopicConfig: Record<string, string> = {
  'cleanup.policy': 'compact',
  'max.message.bytes': String(32 * 1024 * 1024),
  'segment.bytes': String(64 * 1024 * 1024),
  'segment.ms': String(10 * 60_000),
  'min.cleanable.dirty.ratio': '0.1',
};

/** Header carrying the checkpoint tag (sequence and writer) of a changelog record. */
const TAG_HEADER = 'rtap-checkpoint';

/**
 * Checkpoints of one checkpointer (`name`: a group's single processor, or one scale-out task) in a
 * compacted changelog topic, so whichever process, on whichever machine, takes the task over can restore
 * it. The record is part of the checkpoint's transaction, with the outputs and the tagged offsets: it is
 * visible to read_committed readers exactly when the offsets that name it are, so no state is ever written
 * ahead of its commit and nothing needs pruning. Its key is the name, so compaction keeps only the newest.
 */
export class TopicStore implements CheckpointStore {
  private readonly partition: number;

  constructor(
    private readonly reader: ChangelogReader,
    readonly topic: string,
    readonly name: string,
    partitions = CHANGELOG_PARTITIONS,
  ) {
    this.partition = changelogPartition(name, partitions);
  }

  get where(): string {
    return `changelog topic ${this.topic} (key ${this.name})`;
  }

  async load<S>(committed: CommittedOffset[], where: string): Promise<Checkpoint<S> | null> {
    const id = committedCheckpoint(committed, where);
    if (id === 'fresh') return null;
    const tag = checkpointTag(id);
    let found: ScannedRecord | null = null;
    await this.reader.scan(this.topic, this.partition, (r) => {
      if (r.key !== this.name || r.headers[TAG_HEADER] !== tag) return false;
      found = r;
      return true;
    });
    const record = found as ScannedRecord | null;
    if (!record?.value)
      throw missingCheckpoint(
        where,
        id,
        this.where,
        'give the --checkpoint-store (and --checkpoint-dir) that process used, or a new --group',
      );
    return parseCheckpoint<S>(
      record.value.toString('utf8'),
      id,
      `${this.topic}[${this.partition}]@${record.offset}`,
    );
  }

  save<S>(c: NewCheckpoint<S>): Map<string, OutgoingMessage[]> {
    const value = Buffer.from(JSON.stringify({ format: 'rtap-checkpoint', version: 1, ...c }));
    if (value.length > MAX_CHECKPOINT_BYTES)
      throw new RtapError(
        `checkpoint ${c.seq} of ${this.name}: its state is ${(value.length / 1048576).toFixed(1)} MiB, more than a record of ${this.topic} may hold (${MAX_CHECKPOINT_BYTES / 1048576} MiB)`,
        EXIT.FAILURE,
        'use --checkpoint-store dir (with a --checkpoint-dir every process can read), or fewer views',
      );
    const record = {
      key: this.name,
      value,
      partition: this.partition,
      headers: { [TAG_HEADER]: checkpointTag({ seq: c.seq, writer: c.writer ?? '' }) },
    };
    return new Map([[this.topic, [record]]]);
  }

  committed(): void {
    // Compaction keeps the newest record of the key; older checkpoints go with it.
  }
}

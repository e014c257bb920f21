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

/**
 * Bytes of a checkpoint's JSON per record: under the 1 MiB a broker with defaults accepts in a batch, with
 * room for the key, headers and framing, so the changelog needs no topic limit raised.
 */
export const CHUNK_BYTES = 900_000;

/**
 * Topic settings of a changelog: compacted, so it keeps the newest record of each key; the active segment
 * rolls every 10 minutes (or at 64 MiB) so compaction reaches it, and a restore reads little more than the
 * newest checkpoint of each key.
 */
export const changelogTopicConfig: Record<string, string> = {
  'cleanup.policy': 'compact',
  'segment.bytes': String(64 * 1024 * 1024),
  'segment.ms': String(10 * 60_000),
  'min.cleanable.dirty.ratio': '0.1',
};

/** Headers of a changelog record: the checkpoint tag (sequence and writer), and which chunk of how many. */
const TAG_HEADER = 'rtap-checkpoint';
const CHUNK_HEADER = 'rtap-chunk';

/**
 * Checkpoints of one checkpointer (`name`: a group's single processor, or one scale-out task) in a
 * compacted changelog topic, so whichever process, on whichever machine, takes the task over can restore
 * it. A checkpoint is the JSON of a checkpoint file in chunks of CHUNK_BYTES, keyed `<name>/<i>`. Its
 * records are part of the checkpoint's transaction, with the outputs and the tagged offsets: they are
 * visible to read_committed readers exactly when the offsets that name them are, so no state is ever
 * written ahead of its commit and nothing needs pruning; compaction keeps the newest record of each key.
 * (Chunks past the end of a smaller checkpoint are older ones: their tag tells them apart.)
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
    const chunks: Buffer[] = [];
    let count = -1;
    let have = 0;
    let at = '';
    await this.reader.scan(this.topic, this.partition, (r) => {
      if (!r.key?.startsWith(`${this.name}/`) || r.headers[TAG_HEADER] !== tag || !r.value) return false;
      const m = /^(\d+)\/(\d+)$/.exec(r.headers[CHUNK_HEADER] ?? '');
      if (!m) return false;
      const i = Number(m[1]);
      count = Number(m[2]);
      if (chunks[i] === undefined) have++;
      chunks[i] = r.value;
      at ||= `${this.topic}[${this.partition}]@${r.offset}`;
      return have === count;
    });
    if (have === 0 || have !== count)
      throw missingCheckpoint(
        where,
        id,
        this.where,
        'give the --checkpoint-store (and --checkpoint-dir) that process used, or a new --group',
      );
    return parseCheckpoint<S>(Buffer.concat(chunks).toString('utf8'), id, at);
  }

  save<S>(c: NewCheckpoint<S>): Map<string, OutgoingMessage[]> {
    const json = Buffer.from(JSON.stringify({ format: 'rtap-checkpoint', version: 1, ...c }));
    const n = Math.max(1, Math.ceil(json.length / CHUNK_BYTES));
    const tag = checkpointTag({ seq: c.seq, writer: c.writer ?? '' });
    const records = Array.from({ length: n }, (_, i) => ({
      key: `${this.name}/${i}`,
      value: json.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES),
      partition: this.partition,
      headers: { [TAG_HEADER]: tag, [CHUNK_HEADER]: `${i}/${n}` },
    }));
    return new Map([[this.topic, records]]);
  }

  committed(): void {
    // Compaction keeps the newest record of the key; older checkpoints go with it.
  }
}

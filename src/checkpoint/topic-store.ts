import type { ScannedRecord } from '../transport/kafka/scan.js';
import {
  assembleState,
  DeltaEncoder,
  FULL_EVERY,
  isBlob,
  readManifest,
  type Manifest,
  type SaveStats,
} from './chunks.js';
import {
  checkManifest,
  checkpointTag,
  fromManifest,
  committedCheckpoint,
  missingCheckpoint,
  parseCheckpoint,
  type Checkpoint,
  type CheckpointStore,
  type Saved,
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
  private readonly encoder = new DeltaEncoder();
  private pending: Manifest | null = null;

  get lastSave(): SaveStats {
    return this.encoder.last;
  }

  known(): ReadonlyMap<string, string> | null {
    return this.encoder.known();
  }

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
    // Every checkpoint still in the partition, by tag: the committed one's manifest names the blobs it needs.
    const byTag = new Map<string, { chunks: Buffer[]; count: number; have: number; at: string }>();
    // A manifest refers only to blobs of its own chain, at most FULL_EVERY checkpoints back: only those are
    // kept of what the scan reads (until compaction, the partition still holds every older checkpoint).
    const inChain = (tag: string) => {
      const seq = Number(/^rtap-checkpoint (\d+)/.exec(tag)?.[1] ?? NaN);
      return seq <= id.seq && seq >= id.seq - FULL_EVERY;
    };
    await this.reader.scan(this.topic, this.partition, (r) => {
      const tag = r.headers[TAG_HEADER];
      if (!r.key?.startsWith(`${this.name}/`) || !tag || !r.value || !inChain(tag)) return false;
      const m = /^(\d+)\/(\d+)$/.exec(r.headers[CHUNK_HEADER] ?? '');
      if (!m) return false;
      let b = byTag.get(tag);
      if (!b || b.count !== Number(m[2]))
        byTag.set(
          tag,
          (b = {
            chunks: [],
            count: Number(m[2]),
            have: 0,
            at: `${this.topic}[${this.partition}]@${r.offset}`,
          }),
        );
      const i = Number(m[1]);
      if (b.chunks[i] === undefined) b.have++;
      b.chunks[i] = r.value;
      return false;
    });
    const blob = (seq: number, writer: string): Buffer | undefined => {
      const b = byTag.get(checkpointTag({ seq, writer }));
      return b && b.have === b.count ? Buffer.concat(b.chunks) : undefined;
    };
    const mine = blob(id.seq, id.writer);
    if (!mine)
      throw missingCheckpoint(
        where,
        id,
        this.where,
        'give the --checkpoint-store (and --checkpoint-dir) that process used, or a new --group',
      );
    const at = byTag.get(checkpointTag(id))!.at;
    // Version 1 (older rtap): the JSON of a checkpoint file.
    if (!isBlob(mine)) return parseCheckpoint<S>(mine.toString('utf8'), id, at);
    const m = readManifest(mine, at);
    checkManifest(m, id, at);
    const state = assembleState(m, blob, `${at} in ${this.where}`, { storedUnits: true });
    this.encoder.restored(m);
    return fromManifest<S>(m, state);
  }

  save<S>(c: NewCheckpoint<S>): Saved {
    const { blob, manifest } = this.encoder.encode(
      { seq: c.seq, writer: c.writer ?? '', createdAt: c.createdAt, offsets: c.offsets },
      c.state,
    );
    this.pending = manifest;
    const n = Math.max(1, Math.ceil(blob.length / CHUNK_BYTES));
    const tag = checkpointTag({ seq: c.seq, writer: c.writer ?? '' });
    // A slot per checkpoint of the last two chains: a manifest refers to blobs of its own chain only
    // (at most FULL_EVERY back), so a slot is reused only once nothing committed can refer to it, and
    // compaction keeps the newest record of each slot's keys.
    const slot = c.seq % (2 * FULL_EVERY);
    const records = Array.from({ length: n }, (_, i) => ({
      key: `${this.name}/${slot}/${i}`,
      value: blob.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES),
      partition: this.partition,
      headers: { [TAG_HEADER]: tag, [CHUNK_HEADER]: `${i}/${n}` },
    }));
    return { records: new Map([[this.topic, records]]), written: Promise.resolve() };
  }

  committed(seq: number): void {
    // Compaction keeps the newest record of each key; older checkpoints go with it.
    if (this.pending?.seq === seq) this.encoder.committed(this.pending);
    this.pending = null;
  }
}

import { randomBytes } from 'node:crypto';
import type { CepSnapshot } from '../cep/index.js';
import type { EngineSnapshot } from '../engine/index.js';
import type { MergerSnapshot } from '../engine/merge.js';
import type { Transactions } from '../transport/kafka/transactions.js';
import type { Producer } from '../transport/types.js';
import { TransactionBuffer } from './buffer.js';
import type { EncodedUnit, StoredUnit } from './chunks.js';
import {
  checkpointTag,
  offsetMap,
  verifyOffsets,
  type Checkpoint,
  type CheckpointStore,
  type PartitionOffset,
} from './store.js';

/**
 * Everything a processor needs to continue where it stopped: one task, the merge task (scale-out), or every
 * task of a process (`units`, by task name) in one checkpoint.
 */
export interface ProcessorState {
  engine: EngineSnapshot | null;
  cep: CepSnapshot | null;
  /** The merge task of scale-out. */
  merger?: MergerSnapshot;
  /** One process's tasks and merge step (`task-<n>`, `merge`). */
  units?: Record<string, ProcessorState>;
}

/** A state to checkpoint: some units may come encoded already, by the threads they run on. */
export interface CheckpointInput extends Omit<ProcessorState, 'units'> {
  units?: Record<string, ProcessorState | EncodedUnit>;
}

/** A restored state: its units still as stored, parsed where each runs (chunks.ts unitState). */
export interface RestoredState extends Omit<ProcessorState, 'units'> {
  units?: Record<string, ProcessorState | StoredUnit>;
}

export interface Restored {
  seq: number;
  state: RestoredState;
  offsets: PartitionOffset[];
}

export interface CheckpointStats {
  checkpoints: number;
  /** Sequence of the last committed checkpoint (-1 before the first). */
  lastSeq: number;
  /** Wall ms the last checkpoint took (state file + transaction). */
  lastMs: number;
  /** Outputs (results, alerts, dead letters) committed in transactions so far. */
  committedOutputs: number;
  /** The most recent checkpoints (up to HISTORY), oldest first: what each cost, for summaries and benches. */
  history: CheckpointRecord[];
}

export interface CheckpointRecord {
  seq: number;
  /** Wall time (epoch ms) it committed. */
  at: number;
  /** Wall ms from taking the snapshot to the commit. */
  ms: number;
  /** Wall ms of the snapshot (engine, CEP) and of cutting and encoding its chunks. */
  snapshotMs: number;
  encodeMs: number;
  /**
   * Wall ms from the checkpoint falling due until its snapshot began (the previous one committing, the
   * batches handed to task threads being processed, their encoding of their state).
   */
  preparedMs: number;
  /** Wall ms from the snapshot until the state was durable, and of the transaction (outputs and offsets). */
  writtenMs: number;
  transactionMs: number;
  /** Output records the transaction carried (results, alerts, dead letters; not the state's own records). */
  outputs: number;
  /** Bytes written (the blob: manifest + changed chunks), chunks in the state, chunks written. */
  bytes: number;
  chunks: number;
  written: number;
  full: boolean;
}

const HISTORY = 10_000;

/** The processor's side of checkpointing; the Kafka one below is exactly-once, others may not be. */
export interface Checkpointer {
  readonly intervalMs: number;
  /** Where sinks and the dead-letter path write: outputs leave with the next checkpoint. */
  readonly outputs: Producer;
  readonly stats: CheckpointStats;
  /**
   * The state to resume from, or null for a fresh start; the consumer then resumes at its offsets.
   * `likely` hears, before the committed offsets are known, the checkpoint they will most likely name
   * (the store's newest), so the processor can rebuild its state from it meanwhile: the result is that
   * same object when they do.
   */
  restore(likely?: (r: Restored) => void): Promise<Restored | null>;
  /**
   * Persists `state` (which reflects input up to `offsets`) and commits the outputs collected since the
   * last one; false (and `state` never taken) when neither the offsets nor the outputs moved. A function
   * is called only then: a snapshot costs time in proportion to the state.
   */
  checkpoint(state: CheckpointInput | (() => CheckpointInput), offsets: PartitionOffset[]): Promise<boolean>;
  /**
   * checkpoint() in two halves, so processing need not wait for the writes: before it returns, it has
   * taken the state (and encoded it) and the outputs collected so far, and the input may move on; the
   * promise resolves once the checkpoint has committed. `beforeCommit` runs after the state is durable,
   * before the transaction commits (the sinks' flush). Null when nothing moved. One at a time: the next
   * begins after this one's promise has settled.
   */
  begin(
    state: CheckpointInput | (() => CheckpointInput),
    offsets: PartitionOffset[],
    beforeCommit?: () => Promise<void>,
    dueAt?: number,
  ): Promise<void> | null;
  /** What a unit encoded elsewhere is encoded relative to (CheckpointStore.known). */
  known(): ReadonlyMap<string, string> | null;
  /** Releases its producer (a task that moved to another process). */
  close(): Promise<void>;
}

export interface KafkaCheckpointerOptions {
  store: CheckpointStore;
  transactions: Transactions;
  groupId: string;
  inputTopics: string[];
  /** Scale-out: the input partitions of one task; the group's other offsets belong to other tasks. */
  owns?: (tp: { topic: string; partition: number }) => boolean;
  intervalMs: number;
}

/**
 * Exactly-once checkpoints on Kafka. Order of one checkpoint k:
 *   1. write state k + offsets k to the store (durable, atomic; a changelog topic's record is instead
 *      part of the transaction of 2);
 *   2. one transaction: the outputs since k-1, and offsets k tagged "rtap-checkpoint k"; commit.
 * A crash before 2 commits leaves the group at k-1 (the broker aborts k's outputs): restore picks k-1 by
 * its tag and reprocesses, re-emitting the same outputs. A crash after 2 leaves the group at k with
 * state k on disk. Either way every output is committed once. (State after the transaction instead
 * would lose k's state on a crash between the two and resume at k with state k-1: duplicates.)
 */
export class KafkaCheckpointer implements Checkpointer {
  readonly intervalMs: number;
  readonly outputs = new TransactionBuffer();
  readonly stats: CheckpointStats = {
    checkpoints: 0,
    lastSeq: -1,
    lastMs: 0,
    committedOutputs: 0,
    history: [],
  };
  private committed = new Map<string, number>();
  /** Names this checkpointer's files and tags apart from any other owner's of the same sequence numbers. */
  private readonly writer = randomBytes(4).toString('hex');

  constructor(private readonly o: KafkaCheckpointerOptions) {
    this.intervalMs = o.intervalMs;
  }

  async restore(likely?: (r: Restored) => void): Promise<Restored | null> {
    const { store, transactions, groupId, inputTopics } = this.o;
    // InitProducerId first: it fences a previous incarnation and resolves its open transaction, so the
    // committed offsets read after it are final. The store reads the checkpoint they most likely name
    // meanwhile, and the processor rebuilds its state from it (likely).
    const offsets = transactions.resume(groupId, inputTopics);
    const prefetched = store.prefetch?.<RestoredState>();
    const guess = prefetched && this.restored(prefetched.checkpoint);
    if (guess) likely?.(guess);
    const owns = this.o.owns;
    const committed = (await offsets).filter((tp) => !owns || owns(tp));
    const where = `checkpoints of group ${groupId} (${store.where})`;
    const c = await store.load<RestoredState>(committed, where, prefetched);
    if (!c) return null;
    verifyOffsets(c.offsets, committed, where);
    this.stats.lastSeq = c.seq;
    this.committed = offsetMap(c.offsets);
    return c === prefetched?.checkpoint ? guess! : this.restored(c);
  }

  private restored(c: Checkpoint<RestoredState>): Restored {
    return { seq: c.seq, state: c.state, offsets: c.offsets };
  }

  async close(): Promise<void> {
    await this.o.transactions.close();
  }

  known(): ReadonlyMap<string, string> | null {
    return this.o.store.known();
  }

  async checkpoint(
    state: CheckpointInput | (() => CheckpointInput),
    offsets: PartitionOffset[],
  ): Promise<boolean> {
    const done = this.begin(state, offsets);
    if (!done) return false;
    await done;
    return true;
  }

  begin(
    state: CheckpointInput | (() => CheckpointInput),
    offsets: PartitionOffset[],
    beforeCommit?: () => Promise<void>,
    dueAt?: number,
  ): Promise<void> | null {
    if (offsets.length === 0) return null;
    const now = offsetMap(offsets);
    const moved = now.size !== this.committed.size || [...now].some(([k, v]) => this.committed.get(k) !== v);
    if (!moved && this.outputs.size === 0) return null;
    const started = Date.now();
    const preparedMs = dueAt === undefined ? 0 : Math.max(0, started - dueAt);
    const seq = this.stats.lastSeq + 1;
    const writer = this.writer;
    const t0 = performance.now();
    const taken = typeof state === 'function' ? state() : state;
    const snapshotMs = performance.now() - t0;
    // Everything taken from the live state happens before the first await: the state is encoded here,
    // and the outputs of this checkpoint are those sent until now.
    const { records, written } = this.o.store.save({
      seq,
      writer,
      createdAt: started,
      offsets,
      state: taken,
    });
    const saved = this.o.store.lastSave;
    const messages = this.outputs.take();
    let n = 0;
    for (const list of messages.values()) n += list.length;
    for (const [topic, list] of records) messages.set(topic, [...(messages.get(topic) ?? []), ...list]);
    const commit = async () => {
      await written;
      const writtenMs = Date.now() - started;
      await beforeCommit?.();
      const tx = Date.now();
      await this.o.transactions.commit(
        messages,
        this.o.groupId,
        offsets.map((p) => ({ ...p, metadata: checkpointTag({ seq, writer }) })),
      );
      this.committed = now;
      this.o.store.committed(seq);
      this.stats.checkpoints++;
      this.stats.lastSeq = seq;
      this.stats.lastMs = Date.now() - started;
      this.stats.committedOutputs += n;
      const h = this.stats.history;
      const transactionMs = Date.now() - tx;
      h.push({
        seq,
        at: Date.now(),
        ms: this.stats.lastMs,
        snapshotMs,
        preparedMs,
        writtenMs,
        transactionMs,
        outputs: n,
        ...saved,
      });
      if (h.length > HISTORY) h.splice(0, h.length - HISTORY);
    };
    return commit();
  }
}

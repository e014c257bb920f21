import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { EXIT, RtapError } from '../errors.js';
import type { OutgoingMessage } from '../transport/types.js';

export interface PartitionOffset {
  topic: string;
  partition: number;
  /** Next offset to read: everything before it is reflected in the state. */
  offset: number;
}

/**
 * Names one checkpoint file. Two owners of a task can write the same sequence number: a previous owner
 * that was paused (a stopped VM) past its successor's first checkpoint writes its file before its
 * transaction is fenced. The writer, random per checkpointer, keeps those files apart, and the committed
 * tag names the writer as well as the sequence number, so the fenced one's file is never restored.
 */
export interface CheckpointId {
  seq: number;
  /** Hex; '' for files written before rtap named writers. */
  writer: string;
}

export interface Checkpoint<S = unknown> {
  format: 'rtap-checkpoint';
  version: 1;
  /** Increases by one per checkpoint of a group; orders the files. */
  seq: number;
  writer?: string;
  createdAt: number;
  offsets: PartitionOffset[];
  state: S;
}

const NAME = /^checkpoint-(\d{12})(?:-([0-9a-f]+))?\.json$/;
const fileName = ({ seq, writer }: CheckpointId) =>
  `checkpoint-${String(seq).padStart(12, '0')}${writer ? `-${writer}` : ''}.json`;
const sameId = (a: CheckpointId, b: CheckpointId) => a.seq === b.seq && a.writer === b.writer;

/** Committed offsets as the group returns them: with the commit's metadata (the checkpoint tag). */
export type CommittedOffset = PartitionOffset & { metadata?: string | null };

export type NewCheckpoint<S> = Omit<Checkpoint<S>, 'format' | 'version'>;

/** Where a checkpointer keeps state: a local directory, or a compacted changelog topic (topic-store.ts). */
export interface CheckpointStore {
  /** For messages: the directory or topic. */
  readonly where: string;
  /**
   * The checkpoint the group's committed offsets name, or null when nothing is committed (a fresh start).
   * Throws when the offsets name a checkpoint this store does not have. `where` names the group for errors.
   */
  load<S>(committed: CommittedOffset[], where: string): Promise<Checkpoint<S> | null>;
  /**
   * Persists checkpoint `c` before its transaction commits. A directory writes it durably now and returns
   * nothing; a changelog topic returns it as records, which the transaction commits with the offsets.
   */
  save<S>(c: NewCheckpoint<S>): Map<string, OutgoingMessage[]>;
  /** Checkpoint `seq` has committed: what came before it can go. */
  committed(seq: number): void;
}

/** Parses and checks a stored checkpoint's text: it must be rtap's, version 1, of checkpoint `id`. */
export function parseCheckpoint<S>(text: string, id: CheckpointId, source: string): Checkpoint<S> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new RtapError(`checkpoint ${source}: cannot be read: ${(err as Error).message}`);
  }
  const c = parsed as Partial<Checkpoint<S>>;
  if (
    c?.format !== 'rtap-checkpoint' ||
    c.version !== 1 ||
    c.seq !== id.seq ||
    (c.writer ?? '') !== id.writer ||
    !Array.isArray(c.offsets) ||
    c.state === undefined
  ) {
    throw new RtapError(
      `checkpoint ${source}: not an rtap checkpoint (version 1) for sequence ${id.seq}${id.writer ? ` of writer ${id.writer}` : ''}`,
    );
  }
  return c as Checkpoint<S>;
}

/**
 * Checkpoints in a local directory, written durably: a temporary file is written and fsynced, renamed
 * over its final name (atomic on POSIX), and the directory fsynced so the rename itself survives a
 * crash. A reader therefore sees whole checkpoints or none, never a torn one.
 */
export class DirectoryStore implements CheckpointStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  get where(): string {
    return this.dir;
  }

  async load<S>(committed: CommittedOffset[], where: string): Promise<Checkpoint<S> | null> {
    const id = chooseCheckpoint(committed, this.list(), where);
    // Files after the committed one were written, but their transaction never committed (a crash between).
    this.pruneAfter(id === 'fresh' ? -1 : id.seq);
    return id === 'fresh' ? null : this.read<S>(id);
  }

  save<S>(c: NewCheckpoint<S>): Map<string, OutgoingMessage[]> {
    this.write(c);
    return new Map();
  }

  committed(seq: number): void {
    // The one before stays until the next commit: a crash between writing seq+1 and committing it resumes from seq.
    this.pruneBefore(seq - 1);
  }

  /** Checkpoints present, oldest first. */
  list(): CheckpointId[] {
    return readdirSync(this.dir)
      .map((f) => NAME.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ seq: Number(m[1]), writer: m[2] ?? '' }))
      .sort((a, b) => a.seq - b.seq || (a.writer < b.writer ? -1 : a.writer > b.writer ? 1 : 0));
  }

  write<S>(c: NewCheckpoint<S>): void {
    const body: Checkpoint<S> = { format: 'rtap-checkpoint', version: 1, ...c };
    const final = join(this.dir, fileName({ seq: c.seq, writer: c.writer ?? '' }));
    const tmp = `${final}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(body));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, final);
    const dfd = openSync(this.dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  }

  read<S>(id: CheckpointId): Checkpoint<S> {
    const file = join(this.dir, fileName(id));
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new RtapError(`checkpoint ${file}: cannot be read: ${(err as Error).message}`);
    }
    return parseCheckpoint<S>(text, id, file);
  }

  /** Deletes checkpoints older than `seq` (and temporary files a crash left behind). */
  pruneBefore(seq: number): void {
    this.remove((n) => n < seq);
  }

  /** Deletes checkpoints newer than `seq`: written, but their transaction never committed. */
  pruneAfter(seq: number): void {
    this.remove((n) => n > seq);
  }

  private remove(which: (seq: number) => boolean): void {
    for (const f of readdirSync(this.dir)) {
      const m = NAME.exec(f);
      if ((m && which(Number(m[1]))) || f.includes('.json.tmp-')) rmSync(join(this.dir, f), { force: true });
    }
  }
}

/** The commit metadata that ties a partition's committed offset to the checkpoint holding its state. */
export const checkpointTag = ({ seq, writer }: CheckpointId) =>
  `rtap-checkpoint ${seq}${writer ? ` ${writer}` : ''}`;
const TAG = /^rtap-checkpoint (\d+)(?: ([0-9a-f]+))?$/;
const describe = ({ seq, writer }: CheckpointId) => `checkpoint ${seq}${writer ? ` (writer ${writer})` : ''}`;

/**
 * Which checkpoint the group's committed offsets belong to. Each transaction commits every partition's
 * offset tagged with its checkpoint's sequence number and writer, so the newest tag names the state to
 * restore: a checkpoint written after that (its transaction never committed: a crash in between) or by
 * a fenced writer is ignored. Nothing committed is a fresh start. Offsets committed by someone else (no
 * tag) are refused: resuming there would lose or duplicate results.
 */
export function committedCheckpoint(committed: CommittedOffset[], where: string): CheckpointId | 'fresh' {
  if (committed.length === 0) return 'fresh';
  let chosen: CheckpointId | null = null;
  for (const c of committed) {
    const m = TAG.exec(c.metadata ?? '');
    if (!m) {
      throw new RtapError(
        `${where}: ${c.topic}/${c.partition} has a committed offset (${c.offset}) that no rtap checkpoint wrote: its state is unknown`,
        EXIT.FAILURE,
        'use a new --group, or the group that wrote these checkpoints',
      );
    }
    const id = { seq: Number(m[1]), writer: m[2] ?? '' };
    // One transaction commits all of a checkpoint's offsets, so one sequence number has one writer.
    if (chosen?.seq === id.seq && chosen.writer !== id.writer)
      throw new RtapError(
        `${where}: committed offsets name two writers of checkpoint ${id.seq} (${chosen.writer || 'none'} and ${id.writer || 'none'})`,
      );
    if (!chosen || id.seq > chosen.seq) chosen = id;
  }
  return chosen!;
}

/** The error for committed offsets whose checkpoint is not in the store the process was given. */
export function missingCheckpoint(where: string, id: CheckpointId, store: string, hint: string): RtapError {
  return new RtapError(
    `${where}: the committed offsets belong to ${describe(id)}, which is not in ${store}`,
    EXIT.FAILURE,
    hint,
  );
}

/** committedCheckpoint(), and the file it names must be among `available` (a tag whose file is gone is refused). */
export function chooseCheckpoint(
  committed: CommittedOffset[],
  available: CheckpointId[],
  where: string,
): CheckpointId | 'fresh' {
  const id = committedCheckpoint(committed, where);
  if (id !== 'fresh' && !available.some((a) => sameId(a, id)))
    throw missingCheckpoint(
      where,
      id,
      'the checkpoint directory',
      'give the --checkpoint-dir that process used (and its --checkpoint-store), or a new --group',
    );
  return id;
}

/** Throws unless the checkpoint's offsets are exactly the committed ones (same partitions, same offsets). */
export function verifyOffsets(
  checkpoint: PartitionOffset[],
  committed: PartitionOffset[],
  where: string,
): void {
  const have = offsetMap(checkpoint);
  const want = offsetMap(committed);
  for (const [k, v] of want) {
    if (have.get(k) !== v)
      throw new RtapError(
        `${where}: committed offset of ${k} is ${v} but the checkpoint says ${have.get(k) ?? 'nothing'}`,
      );
  }
  for (const [k, v] of have)
    if (!want.has(k))
      throw new RtapError(`${where}: checkpoint has ${k} at ${v} but the group committed nothing there`);
}

/** "topic/partition" → offset, for comparisons. */
export function offsetMap(offsets: PartitionOffset[]): Map<string, number> {
  return new Map(offsets.map((o) => [`${o.topic}/${o.partition}`, o.offset]));
}

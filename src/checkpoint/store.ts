import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeDurably } from './durable-write.js';
import { join } from 'node:path';
import { EXIT, RtapError } from '../errors.js';
import type { OutgoingMessage } from '../transport/types.js';
import {
  assembleState,
  blobsOf,
  DeltaEncoder,
  fileChunks,
  readManifest,
  type BlobChunks,
  type Manifest,
  type SaveStats,
} from './chunks.js';

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
  /** 1: one JSON file of the whole state (older rtap); 2: a manifest of chunks (chunks.ts). */
  version: 1 | 2;
  /** Increases by one per checkpoint of a group; orders the files. */
  seq: number;
  writer?: string;
  createdAt: number;
  offsets: PartitionOffset[];
  state: S;
}

/** `.ck`: a blob (manifest + changed chunks, chunks.ts); `.json`: a whole state, as older rtap wrote. */
const NAME = /^checkpoint-(\d{12})(?:-([0-9a-f]+))?\.(json|ck)$/;
const fileName = ({ seq, writer }: CheckpointId, ext: 'json' | 'ck' = 'json') =>
  `checkpoint-${String(seq).padStart(12, '0')}${writer ? `-${writer}` : ''}.${ext}`;
const sameId = (a: CheckpointId, b: CheckpointId) => a.seq === b.seq && a.writer === b.writer;

/** Committed offsets as the group returns them: with the commit's metadata (the checkpoint tag). */
export type CommittedOffset = PartitionOffset & { metadata?: string | null };

export type NewCheckpoint<S> = Omit<Checkpoint<S>, 'format' | 'version'>;

/** A checkpoint encoded by CheckpointStore.save. */
export interface Saved {
  records: Map<string, OutgoingMessage[]>;
  written: Promise<void>;
}

/** Where a checkpointer keeps state: a local directory, or a compacted changelog topic (topic-store.ts). */
export interface CheckpointStore {
  /** For messages: the directory or topic. */
  readonly where: string;
  /**
   * The checkpoint the group's committed offsets name, or null when nothing is committed (a fresh start).
   * Throws when the offsets name a checkpoint this store does not have. `where` names the group for errors.
   * `prefetched` (prefetch's) is used if it is the one named.
   */
  load<S>(
    committed: CommittedOffset[],
    where: string,
    prefetched?: Prefetched<S>,
  ): Promise<Checkpoint<S> | null>;
  /** The checkpoint most likely to be restored, read before the committed offsets are known (optional). */
  prefetch?<S>(): Prefetched<S> | undefined;
  /**
   * Persists checkpoint `c` before its transaction commits. It is encoded before save returns (the
   * state's objects may change after that: the processor goes on); `written` resolves once it is durable.
   * A directory writes a file (`records` empty); a changelog topic returns it as records, which the
   * transaction commits with the offsets.
   */
  save<S>(c: NewCheckpoint<S>): Saved;
  /** Checkpoint `seq` has committed: what came before it (and no later checkpoint refers to) can go. */
  committed(seq: number): void;
  /** What the last save cost (size, chunks written, encode time). */
  readonly lastSave: SaveStats;
  /** Chunk signatures the next save may refer to (DeltaEncoder.known); null: it writes everything. */
  known(): ReadonlyMap<string, string> | null;
}

/** A checkpoint read ahead of knowing it is the one to restore (CheckpointStore.prefetch). */
export interface Prefetched<S = unknown> {
  id: CheckpointId;
  checkpoint: Checkpoint<S>;
  /** Version 2: the manifest, which the next checkpoint refers to once this one is restored. */
  manifest?: Manifest;
}

/** A version-2 checkpoint as a restore returns it: the state assembled from the manifest's chunks. */
export function fromManifest<S>(m: Manifest, state: unknown): Checkpoint<S> {
  return {
    format: 'rtap-checkpoint',
    version: 2,
    seq: m.seq,
    writer: m.writer,
    createdAt: m.createdAt,
    offsets: m.offsets,
    state: state as S,
  };
}

/** Checks that a blob's manifest is checkpoint `id`'s. */
export function checkManifest(m: Manifest, id: CheckpointId, source: string): void {
  if (m.seq !== id.seq || (m.writer ?? '') !== id.writer || !Array.isArray(m.offsets))
    throw new RtapError(
      `checkpoint ${source}: not an rtap checkpoint for sequence ${id.seq}${id.writer ? ` of writer ${id.writer}` : ''}`,
    );
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
  private readonly encoder = new DeltaEncoder();
  /** Blobs ("seq writer") the last two committed checkpoints (or the restored one) need. */
  private keep: Set<string>[] = [];
  /** The manifest saved last, until it commits. */
  private pending: Manifest | null = null;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  get lastSave(): SaveStats {
    return this.encoder.last;
  }

  known(): ReadonlyMap<string, string> | null {
    return this.encoder.known();
  }

  get where(): string {
    return this.dir;
  }

  async load<S>(
    committed: CommittedOffset[],
    where: string,
    prefetched?: Prefetched<S>,
  ): Promise<Checkpoint<S> | null> {
    const id = chooseCheckpoint(committed, this.list(), where);
    // Files after the committed one were written, but their transaction never committed (a crash between).
    this.pruneAfter(id === 'fresh' ? -1 : id.seq);
    if (id === 'fresh') return null;
    return prefetched && sameId(prefetched.id, id) ? this.adopt(prefetched) : this.read<S>(id);
  }

  save<S>(c: NewCheckpoint<S>): Saved {
    const { blob, manifest } = this.encoder.encode(
      { seq: c.seq, writer: c.writer ?? '', createdAt: c.createdAt, offsets: c.offsets },
      c.state,
    );
    this.pending = manifest;
    const file = join(this.dir, fileName({ seq: c.seq, writer: c.writer ?? '' }, 'ck'));
    return { records: new Map(), written: this.durably(file, blob) };
  }

  committed(seq: number): void {
    const m = this.pending;
    this.pending = null;
    if (!m || m.seq !== seq) return this.pruneBefore(seq - 1);
    this.encoder.committed(m);
    // The one before stays until the next commit (a crash between writing seq+1 and committing it resumes
    // from seq), and so does every blob either refers to; nothing else older is needed.
    this.keep = [this.keep[this.keep.length - 1] ?? new Set(), new Set(blobsOf(m).map(blobKey))];
    const keep = new Set(this.keep.flatMap((k) => [...k]));
    for (const f of readdirSync(this.dir)) {
      const n = NAME.exec(f);
      if (f.includes('.tmp-')) rmSync(join(this.dir, f), { force: true });
      else if (n && Number(n[1]) <= seq && !keep.has(`${Number(n[1])} ${n[2] ?? ''}`))
        rmSync(join(this.dir, f), { force: true });
    }
  }

  /** Checkpoints present, oldest first. */
  list(): CheckpointId[] {
    return readdirSync(this.dir)
      .map((f) => NAME.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ seq: Number(m[1]), writer: m[2] ?? '' }))
      .filter((c, i, all) => all.findIndex((d) => sameId(c, d)) === i)
      .sort((a, b) => a.seq - b.seq || (a.writer < b.writer ? -1 : a.writer > b.writer ? 1 : 0));
  }

  /** Writes checkpoint `c` whole, as one JSON file (version 1, as rtap did before chunks). */
  write<S>(c: NewCheckpoint<S>): Promise<void> {
    const body: Checkpoint<S> = { format: 'rtap-checkpoint', version: 1, ...c };
    return this.durably(
      join(this.dir, fileName({ seq: c.seq, writer: c.writer ?? '' })),
      JSON.stringify(body),
    );
  }

  /** On the writer thread: the processor goes on while the file is written and synced. */
  private durably(final: string, data: string | Buffer): Promise<void> {
    return writeDurably(final, this.dir, data);
  }

  read<S>(id: CheckpointId): Checkpoint<S> {
    return this.adopt(this.fetch<S>(id));
  }

  /**
   * Reads the newest checkpoint ahead, while the transactional id is initialised and the committed
   * offsets fetched (on the transactions thread): load() uses it if the offsets name it, as after every
   * clean stop. Undefined when there is none or it cannot be read (load then says why, if it matters).
   */
  prefetch<S>(): Prefetched<S> | undefined {
    const id = this.list().at(-1);
    if (!id) return undefined;
    try {
      return this.fetch<S>(id);
    } catch {
      return undefined;
    }
  }

  /** A checkpoint as read, before this store takes it as its restore point (adopt). */
  private fetch<S>(id: CheckpointId): Prefetched<S> {
    const blobFile = join(this.dir, fileName(id, 'ck'));
    const blob = readOr(blobFile);
    if (blob) {
      const m = readManifest(blob, blobFile);
      checkManifest(m, id, blobFile);
      const state = assembleState(
        m,
        (seq, writer) =>
          seq === id.seq && writer === id.writer
            ? blob
            : openChunks(join(this.dir, fileName({ seq, writer }, 'ck'))),
        blobFile,
        { storedUnits: true },
      );
      return { id, manifest: m, checkpoint: fromManifest<S>(m, state) };
    }
    const file = join(this.dir, fileName(id));
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new RtapError(`checkpoint ${file}: cannot be read: ${(err as Error).message}`);
    }
    return { id, checkpoint: parseCheckpoint<S>(text, id, file) };
  }

  private adopt<S>(got: Prefetched<S>): Checkpoint<S> {
    if (got.manifest) {
      // The next checkpoint may refer to this one's blobs: they stay until it has committed.
      this.encoder.restored(got.manifest);
      this.keep = [new Set(blobsOf(got.manifest).map(blobKey))];
    }
    return got.checkpoint;
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
      if ((m && which(Number(m[1]))) || f.includes('.tmp-')) rmSync(join(this.dir, f), { force: true });
    }
  }
}

const blobKey = (b: { seq: number; writer: string }) => `${b.seq} ${b.writer}`;

/** A blob file to read chunks from by range (chunks.ts fileChunks), or undefined when it is not there. */
function openChunks(file: string): BlobChunks | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RtapError(`checkpoint ${file}: cannot be read: ${(err as Error).message}`);
  }
  try {
    return fileChunks(fd, file);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

function readOr(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RtapError(`checkpoint ${file}: cannot be read: ${(err as Error).message}`);
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

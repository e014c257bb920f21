import { createHash } from 'node:crypto';
import { closeSync, readSync } from 'node:fs';
import { RtapError } from '../errors.js';
import { packBytes, partAt, type PackedBytes } from '../transport/packed.js';
import type { PartitionOffset } from './store.js';

/**
 * Incremental checkpoints. A checkpoint's state is cut into keyed chunks (splitState): per unit, the CEP's
 * bound events by sequence range and its reorder buffer by arrival range, each input partition's dedup
 * ids per event-time bucket, every view's state per partition or task, and what remains of each unit.
 * A chunk whose content cannot have changed since the previous checkpoint (a signature: bound events and
 * buffered events never change once taken, dedup buckets only grow) is not even encoded; one whose
 * encoding hashes the same as before is not written again. A checkpoint is one blob: its manifest (every
 * chunk of the state, with where it is: this blob or an earlier one) and the chunks that changed.
 * A full checkpoint (every FULL_EVERY, and the first after a start) writes every chunk, so a manifest
 * never reaches further back than the last full one, and older blobs can be deleted.
 *
 * Encoding, chosen by measurement (bench/checkpoint-size.ts, docs/fault-tolerance.md): each chunk is
 * JSON text. Deflate (level 1) shrank a blob 3.2x for about 20 ms per MB, not applied while the CPU, not
 * the bytes written, is the limit; the state is mostly event ids and event fields, which a hand-written
 * binary encoding would save little on. What made checkpoints slow was writing all of it every time.
 */

/** Checkpoints between full ones. */
export const FULL_EVERY = 30;

/** Manifest entry: chunk key, the blob holding it (seq, writer), offset and length there, signature/hash. */
export type ChunkRef = [
  key: string,
  seq: number,
  writer: string,
  offset: number,
  length: number,
  sig: string,
];

export interface Manifest {
  format: 'rtap-checkpoint';
  version: 2;
  seq: number;
  writer: string;
  createdAt: number;
  offsets: PartitionOffset[];
  /** Writes every chunk itself (references no earlier blob). */
  full: boolean;
  /** Checkpoints since the last full one (0: this one is full). */
  sinceFull: number;
  chunks: ChunkRef[];
}

const MAGIC = Buffer.from('RTAPCK2\n');

export function isBlob(b: Buffer): boolean {
  return b.length >= MAGIC.length + 4 && b.subarray(0, MAGIC.length).equals(MAGIC);
}

/** What one save cost: for CheckpointStats and the bench. */
export interface SaveStats {
  bytes: number;
  chunks: number;
  written: number;
  full: boolean;
  encodeMs: number;
}

interface Chunk {
  key: string;
  /** Equal signatures mean equal content, without encoding it. */
  sig?: string;
  value: () => unknown;
  /** Encoded already where its unit runs (encodeUnit): the body, or null when equal to the known one. */
  encoded?: Uint8Array | null;
}

/** A chunk as encodeUnit returns it: key, signature, and its body unless the known signature is the same. */
export type EncodedChunk = [key: string, sig: string, body: Uint8Array | null];

/**
 * A unit's state cut and encoded where the unit runs (a task thread), so the thread that writes the
 * checkpoint only assembles it: the encoding of changed chunks was a third of a second of the main
 * thread per checkpoint at 10k events/s, and cloning the state over to it cost about as much again.
 */
export interface EncodedUnit {
  $chunks: EncodedChunk[];
}

const isEncodedUnit = (x: unknown): x is EncodedUnit =>
  isObj(x) && Array.isArray((x as Partial<EncodedUnit>).$chunks);

/**
 * A chunk's signature and body; null body when `known` (the signature the previous checkpoint holds
 * for its key) shows it unchanged. A chunk with a content signature is not even encoded then.
 */
function encodeChunk(ch: Chunk, known: string | undefined): { sig: string; body: Uint8Array | null } {
  if (known !== undefined && ch.sig !== undefined && known === ch.sig) return { sig: known, body: null };
  const body = Buffer.from(JSON.stringify(ch.value() ?? null));
  const sig = ch.sig ?? createHash('sha1').update(body).digest('base64');
  return { sig, body: known === sig ? null : body };
}

/**
 * Unit `name`'s chunks (splitState's for it) encoded relative to `known` (DeltaEncoder.known: the
 * signatures the next checkpoint can refer to; null when it is a full one and writes everything).
 */
export function encodeUnit(
  name: string,
  state: unknown,
  known: ReadonlyMap<string, string> | null,
): EncodedUnit {
  const chunks: Chunk[] = [];
  splitUnit(name, state, chunks);
  return {
    $chunks: chunks.map((ch) => {
      const { sig, body } = encodeChunk(ch, known?.get(ch.key));
      return [ch.key, sig, body];
    }),
  };
}

/** Blob names: "seq writer". */
const blobId = (seq: number, writer: string) => `${seq} ${writer}`;

/**
 * Writes checkpoints as blobs relative to the previous one it wrote (or restored from, once its blobs are
 * known to be there). One per checkpointer.
 */
export class DeltaEncoder {
  private prev: Map<string, ChunkRef> | null = null;
  private sinceFull = 0;
  last: SaveStats = { bytes: 0, chunks: 0, written: 0, full: true, encodeMs: 0 };

  constructor(private readonly fullEvery = FULL_EVERY) {}

  /** The blob of checkpoint `seq`; `prev` of the next one is this one. */
  encode(
    c: { seq: number; writer: string; createdAt: number; offsets: PartitionOffset[] },
    state: unknown,
  ): { blob: Buffer; manifest: Manifest } {
    const t0 = performance.now();
    const full = this.prev === null || this.sinceFull + 1 >= this.fullEvery;
    const prev = full ? null : this.prev;
    const bodies: Uint8Array[] = [];
    let at = 0;
    const refs: ChunkRef[] = [];
    for (const ch of splitState(state)) {
      const old = prev?.get(ch.key);
      const { sig, body } =
        ch.encoded === undefined ? encodeChunk(ch, old?.[5]) : { sig: ch.sig!, body: ch.encoded };
      if (!body) {
        // Unchanged: an encoded unit said so against known(), which is this checkpoint's prev.
        if (!old || old[5] !== sig)
          throw new Error(`checkpoint: chunk ${ch.key} came without its body, and no earlier one is known`);
        refs.push(old);
        continue;
      }
      refs.push([ch.key, c.seq, c.writer, at, body.length, sig]);
      bodies.push(body);
      at += body.length;
    }
    const manifest: Manifest = {
      format: 'rtap-checkpoint',
      version: 2,
      ...c,
      full,
      sinceFull: full ? 0 : this.sinceFull + 1,
      chunks: refs,
    };
    const head = Buffer.from(JSON.stringify(manifest));
    const len = Buffer.alloc(4);
    len.writeUInt32BE(head.length);
    const blob = Buffer.concat([MAGIC, len, head, ...bodies]);
    this.last = {
      bytes: blob.length,
      chunks: refs.length,
      written: bodies.length,
      full,
      encodeMs: performance.now() - t0,
    };
    return { blob, manifest };
  }

  /**
   * The chunk signatures the next checkpoint may refer to instead of writing them again (by key), or
   * null when it is a full one: what encodeUnit compares with.
   */
  known(): ReadonlyMap<string, string> | null {
    if (this.prev === null || this.sinceFull + 1 >= this.fullEvery) return null;
    return new Map([...this.prev].map(([k, r]) => [k, r[5]]));
  }

  /** Checkpoint `m` committed: the next one is relative to it. */
  committed(m: Manifest): void {
    this.prev = new Map(m.chunks.map((r) => [r[0], r]));
    this.sinceFull = m.sinceFull;
  }

  /** A restored checkpoint: its blobs exist, so the next one may refer to them. */
  restored(m: Manifest): void {
    this.prev = new Map(m.chunks.map((r) => [r[0], r]));
    this.sinceFull = m.sinceFull;
  }

  /** Write the next one in full (a store that cannot keep the restored blobs). */
  reset(): void {
    this.prev = null;
  }
}

/** The manifest at the head of a blob. */
export function readManifest(blob: Buffer, source: string): Manifest {
  if (!isBlob(blob)) throw new RtapError(`checkpoint ${source}: not an rtap checkpoint blob`);
  const len = blob.readUInt32BE(MAGIC.length);
  let m: Manifest;
  try {
    m = JSON.parse(blob.subarray(MAGIC.length + 4, MAGIC.length + 4 + len).toString('utf8')) as Manifest;
  } catch (err) {
    throw new RtapError(`checkpoint ${source}: manifest cannot be read: ${(err as Error).message}`);
  }
  if (m?.format !== 'rtap-checkpoint' || m.version !== 2 || !Array.isArray(m.chunks))
    throw new RtapError(`checkpoint ${source}: not an rtap checkpoint manifest (version 2)`);
  return m;
}

/** Where a blob's chunk bodies begin. */
function bodyStart(blob: Buffer): number {
  return MAGIC.length + 4 + blob.readUInt32BE(MAGIC.length);
}

/**
 * A stored blob a restore takes chunks from without reading it whole (a file read by range): an older
 * blob of a chain mostly holds chunks later ones replaced, and reading every blob of a chain whole read
 * 190 MB for a 55 MB state at 10k events/s.
 */
export interface BlobChunks {
  /** The bytes of the chunk at `offset` (from the first chunk body) of `length`; undefined past the end. */
  chunk(offset: number, length: number): Uint8Array | undefined;
  close?(): void;
}

function inMemory(b: Buffer): BlobChunks {
  const start = bodyStart(b);
  return {
    chunk: (offset, length) =>
      start + offset + length > b.length ? undefined : b.subarray(start + offset, start + offset + length),
  };
}

/** A blob in file `fd` (closed by close()): its head's length, then each chunk read where it lies. */
export function fileChunks(fd: number, source: string): BlobChunks {
  const head = Buffer.alloc(MAGIC.length + 4);
  if (readSync(fd, head, 0, head.length, 0) < head.length || !head.subarray(0, MAGIC.length).equals(MAGIC))
    throw new RtapError(`checkpoint ${source}: not an rtap checkpoint blob`);
  const start = head.length + head.readUInt32BE(MAGIC.length);
  return {
    chunk(offset, length) {
      const body = Buffer.allocUnsafe(length);
      return readSync(fd, body, 0, length, start + offset) < length ? undefined : body;
    },
    close: () => closeSync(fd),
  };
}

/** The blobs a manifest refers to ("seq writer"), its own included. */
export function blobsOf(m: Manifest): { seq: number; writer: string }[] {
  const seen = new Map<string, { seq: number; writer: string }>();
  seen.set(blobId(m.seq, m.writer), { seq: m.seq, writer: m.writer });
  for (const r of m.chunks) seen.set(blobId(r[1], r[2]), { seq: r[1], writer: r[2] });
  return [...seen.values()];
}

/**
 * A unit's chunks as a restore read them, not parsed yet (assembleState with `storedUnits`): unitState
 * parses and joins them where the unit runs, so each task thread parses its own tasks' state, in
 * parallel with the others, and the state crosses to it as one buffer rather than as a structured clone
 * of its objects (at 10k events/s parsing 50 MB on one thread and cloning a task's part took most of a
 * restore).
 */
export interface StoredUnit {
  $stored: { source: string; keys: string[]; bodies: PackedBytes };
}

export const isStoredUnit = (x: unknown): x is StoredUnit =>
  isObj(x) && isObj((x as Partial<StoredUnit>).$stored);

/** The unit whose state chunk `key` is part of (`u/<unit>`, `e/<unit>/…`, `c/<unit>/…`), or null. */
function unitOfKey(key: string): string | null {
  if (key[1] !== '/' || (key[0] !== 'u' && key[0] !== 'e' && key[0] !== 'c')) return null;
  const end = key.indexOf('/', 2);
  return end < 0 ? key.slice(2) : key.slice(2, end);
}

function parseChunk(key: string, body: Uint8Array, source: string): unknown {
  try {
    return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.length).toString('utf8'));
  } catch (err) {
    throw new RtapError(`checkpoint ${source}: chunk ${key} cannot be read: ${(err as Error).message}`);
  }
}

/**
 * The state of manifest `m`, its chunks read from the blobs `blob(seq, writer)` returns (called once per
 * blob; the caller says where a missing one was expected). Throws naming the chunk that is missing or
 * unreadable. With `storedUnits`, each unit's chunks stay bytes (StoredUnit) for unitState to parse.
 */
export function assembleState(
  m: Manifest,
  blob: (seq: number, writer: string) => Buffer | BlobChunks | undefined,
  source: string,
  options: { storedUnits?: boolean } = {},
): unknown {
  // Each blob is fetched once, however many chunks it holds: a manifest lists hundreds of chunks of a
  // few blobs, and fetching a file (or joining a topic's records) per chunk made a restore quadratic.
  const blobs = new Map<string, BlobChunks | undefined>();
  try {
    return assembleFrom(m, blobs, blob, source, options.storedUnits ?? false);
  } finally {
    for (const b of blobs.values()) b?.close?.();
  }
}

function assembleFrom(
  m: Manifest,
  blobs: Map<string, BlobChunks | undefined>,
  blob: (seq: number, writer: string) => Buffer | BlobChunks | undefined,
  source: string,
  storedUnits: boolean,
): unknown {
  const values = new Map<string, unknown>();
  const stored = new Map<string, { keys: string[]; bodies: Uint8Array[] }>();
  for (const [key, seq, writer, offset, length] of m.chunks) {
    const id = blobId(seq, writer);
    let b = blobs.get(id);
    if (!blobs.has(id)) {
      const got = blob(seq, writer);
      blobs.set(id, (b = Buffer.isBuffer(got) ? inMemory(got) : got));
    }
    if (!b)
      throw new RtapError(
        `checkpoint ${source}: chunk ${key} is in checkpoint ${seq}${writer ? ` (writer ${writer})` : ''}, which is missing`,
      );
    const body = b.chunk(offset, length);
    if (!body)
      throw new RtapError(`checkpoint ${source}: chunk ${key} lies past the end of checkpoint ${seq}`);
    const unit = storedUnits ? unitOfKey(key) : null;
    if (unit === null) {
      values.set(key, parseChunk(key, body, source));
      continue;
    }
    let u = stored.get(unit);
    if (!u) stored.set(unit, (u = { keys: [], bodies: [] }));
    u.keys.push(key);
    u.bodies.push(body);
  }
  if (!stored.size) return joinState(values);
  const units: Record<string, StoredUnit> = {};
  for (const [name, u] of stored)
    units[name] = { $stored: { source, keys: u.keys, bodies: packBytes(u.bodies) } };
  return { ...(getter(values)('top') as Obj), units };
}

/** Unit `name`'s state: parsed and joined if it is still as stored (assembleState's storedUnits). */
export function unitState<S>(name: string, s: S | StoredUnit): S {
  if (!isStoredUnit(s)) return s;
  const { source, keys, bodies } = s.$stored;
  const values = new Map<string, unknown>();
  keys.forEach((key, i) => values.set(key, parseChunk(key, partAt(bodies, i), source)));
  return joinUnit(name, getter(values)) as S;
}

// ---- the split of a processor state into chunks and back ----

/**
 * Bound events per chunk (by processing sequence number). A range is rewritten whenever a run holding
 * one of its events ends; 256 keeps that to a few kB at 200 events/s (2048 rewrote one chunk of all).
 */
const RANGE = 256;
/**
 * Reorder-buffer entries per chunk, by event time: the watermark releases a chunk's events together, and
 * events arrive into the newest chunks, so older ones stay as they were. (Ranges of arrival, the record's
 * position offset * 2^14 + topic * 2^10 + partition, mixed the fast partitions' old events with the slow
 * ones' new: at 10k events/s nearly every range changed every second.)
 */
const BUFFER_SPAN_MS = 1000;
/**
 * Hash buckets a session view's keys, and a CEP's partition keys, are cut into: a checkpoint rewrites only
 * the buckets a key of which changed. At least 256 (at 200 events/s a second's events reach most of 64),
 * and more as keys accumulate, about KEYS_PER_BUCKET each: a pattern keyed by session with a 15-minute
 * deadline holds every session of the last 15 minutes, and with a fixed count each new session rewrote
 * a bucket of all of them, so a checkpoint grew with the whole state rather than with what changed. The
 * count is a power of two, so it changes (and everything of that state is written once) only as the
 * key count doubles.
 */
const MIN_BUCKETS = 256;
const KEYS_PER_BUCKET = 32;
const bucketsFor = (keys: number) =>
  Math.max(MIN_BUCKETS, 2 ** Math.ceil(Math.log2(Math.max(1, keys / KEYS_PER_BUCKET))));

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Chunks of a state. A ProcessorState with `units` is cut per unit as described above; any other state
 * (a test's) is one chunk. The shapes are the snapshots of engine.ts (version 2), cep.ts (version 1) and
 * merge.ts; joinState puts them back together exactly.
 */
export function splitState(state: unknown): Chunk[] {
  if (!isObj(state) || !isObj(state.units)) return [{ key: 'state', value: () => state }];
  const out: Chunk[] = [];
  const { units, ...top } = state;
  out.push({ key: 'top', value: () => top });
  for (const [u, s] of Object.entries(units)) {
    if (!isEncodedUnit(s)) {
      splitUnit(u, s, out);
      continue;
    }
    for (const [key, sig, body] of s.$chunks) out.push({ key, sig, encoded: body, value: () => null });
  }
  return out;
}

/** The chunks of unit `u`'s state (the `u/`, `e/` and `c/` keys of that unit). */
function splitUnit(u: string, s: unknown, out: Chunk[]): void {
  if (!isObj(s)) {
    out.push({ key: `u/${u}`, value: () => s });
    return;
  }
  const { engine, cep, ...restOfUnit } = s;
  out.push({ key: `u/${u}`, value: () => restOfUnit });
  if (isObj(engine)) splitEngine(`e/${u}`, engine, out);
  else out.push({ key: `e/${u}`, value: () => engine ?? null });
  if (isObj(cep)) splitCep(`c/${u}`, cep, out);
  else out.push({ key: `c/${u}`, value: () => cep ?? null });
}

interface EngineTaskJson {
  partition: number;
  dedup: { bucketMs: number; buckets: [number, string[]][] } | null;
  views: Obj;
}

function splitEngine(k: string, engine: Obj, out: Chunk[]): void {
  const { tasks, groups, ...head } = engine as Obj & {
    tasks: EngineTaskJson[];
    groups: { task: number; views: Obj }[];
  };
  // The head lists the partitions, groups and views, so the join rebuilds them in their order.
  const index = {
    tasks: tasks.map((t) => ({
      partition: t.partition,
      dedup: t.dedup ? { bucketMs: t.dedup.bucketMs, starts: t.dedup.buckets.map((b) => b[0]) } : null,
      views: Object.keys(t.views),
    })),
    groups: groups.map((g) => ({ task: g.task, views: Object.keys(g.views) })),
  };
  out.push({ key: k, value: () => ({ ...head, index }) });
  for (const t of tasks) {
    // Ids only join a bucket until it expires as a whole: its size is its signature.
    if (t.dedup)
      for (const [start, ids] of t.dedup.buckets)
        out.push({ key: `${k}/d/${t.partition}/${start}`, sig: `n${ids.length}`, value: () => ids });
    for (const [v, j] of Object.entries(t.views)) splitView(`${k}/v/${t.partition}/${v}`, j, out);
  }
  for (const g of groups)
    for (const [v, j] of Object.entries(g.views)) splitSessions(`${k}/g/${g.task}/${v}`, j, out);
}

/** FNV-1a of a key, mod `n`: its bucket. */
function bucketOf(key: string, n: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % n;
}

/**
 * A windowed view's task state (windowed.ts saveTask: [pane start, slots][]) one chunk per pane, so panes
 * no event reached since are not written again; anything else is one chunk. The head lists the panes.
 */
function splitView(k: string, j: unknown, out: Chunk[]): void {
  if (!Array.isArray(j) || !j.every((p) => Array.isArray(p) && typeof p[0] === 'number')) {
    out.push({ key: k, value: () => j });
    return;
  }
  const panes = j as [number, unknown][];
  out.push({ key: k, value: () => ({ $panes: panes.map((p) => p[0]) }) });
  for (const p of panes) {
    const sets: string[][] = [];
    const pane = liftSets(p, sets);
    out.push({ key: `${k}/w/${p[0]}`, value: () => pane });
    sets.forEach((set, i) => {
      for (let r = 0; r * SET_RANGE < set.length; r++) {
        const from = r * SET_RANGE;
        const to = Math.min(set.length, from + SET_RANGE);
        out.push({
          key: `${k}/w/${p[0]}/s/${i}/${r}`,
          sig: rangeSig(set, from, to),
          value: () => set.slice(from, to),
        });
      }
    });
  }
}

/**
 * Elements per chunk of a large distinct set in a pane (serial.ts `{$set}`: a distinct count's state). A
 * set only grows while its pane is open, in insertion order, so its full ranges stay as they were and a
 * checkpoint writes the newest one: at 10k events/s the session sets of the open 1-minute panes were a
 * third of every checkpoint, written whole each second.
 */
const SET_RANGE = 4096;

/**
 * A string range's content signature without encoding it: its length and two independent 32-bit hashes
 * of the strings (FNV-1a and a multiply-rotate one), so that an equal signature is equal content in all
 * but 2^-64 of cases, as a sha1 of the encoding would be in practice.
 */
function rangeSig(set: string[], from: number, to: number): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = from; i < to; i++) {
    const x = set[i];
    for (let c = 0; c < x.length; c++) {
      const ch = x.charCodeAt(c);
      a = Math.imul(a ^ ch, 0x01000193);
      b = Math.imul(((b << 5) | (b >>> 27)) ^ ch, 0x5bd1e995);
    }
    // A separator: ["ab", "c"] is not ["a", "bc"].
    a = Math.imul(a ^ 0x10000, 0x01000193);
    b = Math.imul(((b << 5) | (b >>> 27)) ^ 0x10000, 0x5bd1e995);
  }
  return `s${to - from}:${(a >>> 0).toString(36)}:${(b >>> 0).toString(36)}`;
}

/**
 * `v` with every `{$set: string[]}` of more than SET_RANGE elements replaced by `{$setRef: i}`, i its
 * index in `sets` (copied only along the paths to those sets); lowerSets puts them back.
 */
function liftSets(v: unknown, sets: string[][]): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const x = v[i] as unknown;
      if (typeof x !== 'object' || x === null) continue;
      const y = liftSets(x, sets);
      if (y !== x) (copy ??= v.slice())[i] = y;
    }
    return copy ?? v;
  }
  const o = v as Obj;
  const set = o.$set;
  if (Array.isArray(set)) {
    if (set.length <= SET_RANGE || !set.every((x) => typeof x === 'string')) return v;
    sets.push(set as string[]);
    return { $setRef: sets.length - 1, size: set.length };
  }
  let copy: Obj | null = null;
  for (const key in o) {
    const x = o[key];
    if (typeof x !== 'object' || x === null) continue;
    const y = liftSets(x, sets);
    if (y !== x) (copy ??= { ...o })[key] = y;
  }
  return copy ?? v;
}

/** liftSets undone: each `{$setRef: i, size}` becomes `{$set}` again from its ranges (`range(i, r)`). */
function lowerSets(v: unknown, range: (i: number, r: number) => string[]): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = lowerSets(v[i], range);
    return v;
  }
  const o = v as Obj;
  if (typeof o.$setRef === 'number' && typeof o.size === 'number') {
    const parts: string[][] = [];
    for (let r = 0; r * SET_RANGE < o.size; r++) parts.push(range(o.$setRef, r));
    return { $set: parts.flat() };
  }
  for (const key in o) o[key] = lowerSets(o[key], range);
  return o;
}

/**
 * A session view's state (sessions.ts saveTask: [key, sessions][]) in chunks by key hash (bucketsFor):
 * at 10k events/s it is megabytes, of which a second's events touch a part. The order of keys is not
 * kept across buckets: it is a map's, and no output depends on it (sessions.ts sorts what it emits).
 */
function splitSessions(k: string, j: unknown, out: Chunk[]): void {
  if (!Array.isArray(j) || !j.every((e) => Array.isArray(e) && typeof e[0] === 'string')) {
    out.push({ key: k, value: () => j });
    return;
  }
  const buckets = new Map<number, unknown[]>();
  const n = bucketsFor(j.length);
  for (const e of j as [string, unknown][]) {
    const b = bucketOf(e[0], n);
    let list = buckets.get(b);
    if (!list) buckets.set(b, (list = []));
    list.push(e);
  }
  const present = [...buckets.keys()].sort((a, b) => a - b);
  out.push({ key: k, value: () => ({ $buckets: present }) });
  for (const b of present) out.push({ key: `${k}/h/${b}`, value: () => buckets.get(b) });
}

function splitCep(k: string, cep: Obj, out: Chunk[]): void {
  const { events, buffer, keys, ...head } = cep as Obj & {
    events: Record<string, unknown>;
    buffer: { arrival: number; event: unknown }[];
    keys: { pattern: string; key: string }[];
  };
  // The partial matches per key, by key hash: most keys' runs are as they were a second ago. The head
  // keeps each key's bucket in order, so the join restores the order keys were inserted in (eviction
  // takes the oldest key first, and timers tie-break in that order: outputs depend on it).
  const keyBuckets = new Map<number, unknown[]>();
  const order: number[] = [];
  const n = bucketsFor(Array.isArray(keys) ? keys.length : 0);
  for (const e of Array.isArray(keys) ? keys : []) {
    const b = bucketOf(`${e.pattern}\u0000${e.key}`, n);
    let list = keyBuckets.get(b);
    if (!list) keyBuckets.set(b, (list = []));
    list.push(e);
    order.push(b);
  }
  for (const [b, list] of keyBuckets) out.push({ key: `${k}/k/${b}`, value: () => list });
  const evRanges = new Map<number, { seqs: number[]; sig: SetSignature }>();
  for (const s of Object.keys(events)) {
    const seq = Number(s);
    const r = Math.floor(seq / RANGE);
    let g = evRanges.get(r);
    if (!g) evRanges.set(r, (g = { seqs: [], sig: new SetSignature() }));
    g.seqs.push(seq);
    g.sig.add(seq);
  }
  const bufRanges = new Map<number, { items: typeof buffer; sig: SetSignature }>();
  for (const b of buffer) {
    const t = (b.event as { event_time?: unknown }).event_time;
    const r = typeof t === 'number' && Number.isFinite(t) ? Math.floor(t / BUFFER_SPAN_MS) : -1;
    let g = bufRanges.get(r);
    if (!g) bufRanges.set(r, (g = { items: [], sig: new SetSignature() }));
    g.items.push(b);
    g.sig.add(b.arrival);
  }
  out.push({
    key: k,
    value: () => ({
      ...head,
      eventRanges: [...evRanges.keys()],
      bufferRanges: [...bufRanges.keys()],
      keyOrder: order,
    }),
  });
  // A bound event (by its sequence number) and a buffered event (by its arrival) never change: which of
  // them a range holds is its content.
  for (const [r, g] of evRanges)
    out.push({
      key: `${k}/ev/${r}`,
      sig: g.sig.text(),
      value: () => g.seqs.map((s) => [s, events[s]]),
    });
  for (const [r, g] of bufRanges)
    out.push({
      key: `${k}/buf/${r}`,
      sig: g.sig.text(),
      value: () => [...g.items].sort((a, b) => a.arrival - b.arrival),
    });
}

/**
 * The signature of a set of distinct integers (sequence numbers, arrivals): its size, sum, and a sum of
 * mixed hashes. Size and sum alone are equal for {10, 14} and {11, 13}: a buffer chunk can lose and
 * gain events between two checkpoints, and an equal signature means the chunk is not written again.
 */
class SetSignature {
  private n = 0;
  private sum = 0;
  private mixed = 0;

  add(x: number): void {
    this.n++;
    this.sum += x;
    // murmur3's finaliser over the low and high 32 bits; summed mod 2^32.
    let h = Math.imul((x >>> 0) ^ Math.floor(x / 2 ** 32), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    this.mixed = (this.mixed + ((h ^ (h >>> 16)) >>> 0)) >>> 0;
  }

  text(): string {
    return `${this.n}:${this.sum}:${this.mixed}`;
  }
}

function getter(values: Map<string, unknown>): (key: string) => unknown {
  return (key) => {
    if (!values.has(key)) throw new RtapError(`checkpoint: chunk ${key} is missing from its manifest`);
    return values.get(key);
  };
}

function joinState(values: Map<string, unknown>): unknown {
  if (values.has('state')) return values.get('state');
  const get = getter(values);
  const units: Obj = {};
  for (const key of values.keys())
    if (key.startsWith('u/')) units[key.slice(2)] = joinUnit(key.slice(2), get);
  return { ...(get('top') as Obj), units };
}

function joinUnit(u: string, get: (key: string) => unknown): unknown {
  const rest = get(`u/${u}`);
  if (!isObj(rest)) return rest;
  return { ...rest, engine: joinEngine(`e/${u}`, get), cep: joinCep(`c/${u}`, get) };
}

function joinEngine(k: string, get: (key: string) => unknown): unknown {
  const head = get(k);
  if (!isObj(head) || !isObj(head.index)) return head;
  const { index, ...rest } = head as Obj & {
    index: {
      tasks: { partition: number; dedup: { bucketMs: number; starts: number[] } | null; views: string[] }[];
      groups: { task: number; views: string[] }[];
    };
  };
  return {
    ...rest,
    tasks: index.tasks.map((t) => ({
      partition: t.partition,
      dedup: t.dedup
        ? {
            bucketMs: t.dedup.bucketMs,
            buckets: t.dedup.starts.map((s) => [s, get(`${k}/d/${t.partition}/${s}`)]),
          }
        : null,
      views: Object.fromEntries(t.views.map((v) => [v, joinView(`${k}/v/${t.partition}/${v}`, get)])),
    })),
    groups: index.groups.map((g) => ({
      task: g.task,
      views: Object.fromEntries(g.views.map((v) => [v, joinSessions(`${k}/g/${g.task}/${v}`, get)])),
    })),
  };
}

function joinView(k: string, get: (key: string) => unknown): unknown {
  const head = get(k);
  if (!isObj(head) || !Array.isArray(head.$panes)) return head;
  return (head.$panes as number[]).map((start) =>
    lowerSets(get(`${k}/w/${start}`), (i, r) => get(`${k}/w/${start}/s/${i}/${r}`) as string[]),
  );
}

function joinSessions(k: string, get: (key: string) => unknown): unknown {
  const head = get(k);
  if (!isObj(head) || !Array.isArray(head.$buckets)) return head;
  return (head.$buckets as number[]).flatMap((b) => get(`${k}/h/${b}`) as unknown[]);
}

function joinCep(k: string, get: (key: string) => unknown): unknown {
  const head = get(k);
  if (!isObj(head) || !Array.isArray(head.eventRanges)) return head;
  const { eventRanges, bufferRanges, keyOrder, ...rest } = head as Obj & {
    eventRanges: number[];
    bufferRanges: number[];
    keyOrder?: number[];
  };
  if (keyOrder) {
    const next = new Map<number, number>();
    rest.keys = keyOrder.map((b) => {
      const i = next.get(b) ?? 0;
      next.set(b, i + 1);
      return (get(`${k}/k/${b}`) as unknown[])[i];
    });
  }
  const events: Record<string, unknown> = {};
  for (const r of eventRanges) for (const [s, e] of get(`${k}/ev/${r}`) as [number, unknown][]) events[s] = e;
  const buffer = bufferRanges.flatMap((r) => get(`${k}/buf/${r}`) as unknown[]);
  return { ...rest, buffer, events };
}

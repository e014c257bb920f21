import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { RtapError } from '../../errors.js';
import { workerEntry } from '../../worker-entry.js';
import type { EncodedUnit, StoredUnit } from '../../checkpoint/chunks.js';
import type { AnalyticsEvent } from '../../events/types.js';
import type { Unread } from '../../engine/watermark.js';
import type { Output } from '../../sinks/types.js';
import { packBytes } from '../../transport/packed.js';
import type { ConsumedRecord, TopicPartition } from '../../transport/types.js';
import type { ProcessorCounters } from '../counters.js';
import type { DeadLetter, PaneRecord, TaskProducts, TaskState } from '../task-runtime.js';
import type { TaskSpec } from '../task-spec.js';
import type { Expect, FromWorker, TaskOutput, ToWorker, WorkerInit } from './protocol.js';

/**
 * Messages of batches a worker may hold before the consumer waits: enough to keep it busy, bounded in
 * memory. A message carries every batch handed over since the previous one (BatchMessage).
 */
const MAX_IN_FLIGHT = 8;
/**
 * And records (one batch is always taken): a checkpoint waits for every batch handed over, and eight
 * large batches (a fetch after a stall) held a 1 s checkpoint back by up to 1.4 s at 10k events/s. With
 * 3,000: interval p95 1.18-1.40 s in three of four runs (one 1.93 s) against 1.59-1.79 s without
 * (bench/checkpoint-size.ts, docs/fault-tolerance.md); a backlog drains as fast (bench/pipeline-throughput.ts).
 */
const MAX_RECORDS_IN_FLIGHT = 3000;
/**
 * Pane messages the merge thread may have left to take before the task threads get no more batches: the
 * merge step falling behind holds the consumer back instead of queueing without bound.
 */
const MAX_PANE_MESSAGES_BEHIND = 64;

interface Pending {
  resolve: (m: Extract<FromWorker, { type: 'done' }>) => void;
  reject: (err: Error) => void;
  /** A batch message: each part's records, to name dead letters by their original record. */
  records: (readonly ConsumedRecord[])[] | null;
  /** Per part, the wall time it was received (ingest latency's end); else the call's `now`. */
  nows: number[];
}

/** A batch handed over and not yet sent: it goes with the others of the same turn of the event loop. */
interface QueuedBatch {
  task: string;
  records: readonly ConsumedRecord[];
  now: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * One task on a worker thread, as the processor sees a task runtime: work is handed over and returns
 * later, what it produced waits in `take()` / `takePanes()` until the processor settles it.
 */
export class RemoteTask {
  readonly engine = null;
  readonly merger = null;
  private outputs: Output[] = [];
  private deadLetters: DeadLetter[] = [];
  private accepted: AnalyticsEvent[] = [];
  private wm = -Infinity;
  private hz = -Infinity;

  constructor(
    readonly name: string,
    private readonly thread: TaskThread,
  ) {}

  /** Files what the worker returned for this task (records: the batch it processed, if any). */
  absorb(out: TaskOutput, records: readonly ConsumedRecord[] | null): void {
    for (const o of out.outputs) this.outputs.push(o);
    for (const d of out.deadLetters)
      this.deadLetters.push({
        record: d.index >= 0 && records ? records[d.index] : null,
        event: d.event as AnalyticsEvent | null,
        reason: d.reason,
        bucket: d.bucket,
        kind: d.kind,
      });
    for (const e of out.accepted) this.accepted.push(e);
    this.wm = out.watermark;
    this.hz = out.horizon;
  }

  /** Hands a batch over; resolves once the worker processed it (its outputs are then in take()). */
  process(records: readonly ConsumedRecord[], now: number): Promise<void> {
    return this.thread.batch(this.name, records, now);
  }

  /** Resolves when the worker can take another batch (back-pressure). */
  ready(): Promise<void> {
    return this.thread.ready();
  }

  take(): TaskProducts {
    const taken = { outputs: this.outputs, deadLetters: this.deadLetters, accepted: this.accepted };
    this.outputs = [];
    this.deadLetters = [];
    this.accepted = [];
    return taken;
  }

  /** None: a task thread sends its panes to the merge thread itself. */
  takePanes(): PaneRecord[] {
    return [];
  }

  watermark(): number {
    return this.wm;
  }

  horizon(): number {
    return this.hz;
  }
}

/** One worker thread and the tasks it runs. */
class TaskThread {
  readonly worker: Worker;
  readonly tasks = new Map<string, RemoteTask>();
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private inFlight = 0;
  private inFlightRecords = 0;
  private waiters: (() => void)[] = [];
  private failure: Error | null = null;
  private closing = false;
  private queued: QueuedBatch[] = [];
  private flushScheduled = false;
  /** A task thread: pane messages it has sent the merge thread (its latest reply says). */
  panesSent = 0;
  /** The merge thread: pane messages it has taken from all task threads. */
  merged = 0;

  constructor(
    init: WorkerInit,
    private readonly hooks: ThreadHooks,
    ports: MessagePort[] = [],
    /** With a merge thread: how far it is behind (a task thread waits on it, the merge thread moves it). */
    private readonly gate: MergeGate | null = null,
  ) {
    const entry = workerEntry(new URL('./worker.js', import.meta.url));
    this.worker = new Worker(entry.url, { workerData: entry.workerData(init), transferList: ports });
    for (const name of init.units) this.tasks.set(name, new RemoteTask(name, this));
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (!this.closing) this.fail(new RtapError(`a worker thread exited unexpectedly (code ${code})`));
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const w of this.waiters.splice(0)) w();
    this.hooks.failed(err);
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'warn') return this.hooks.warn(m.message);
    if (m.type === 'error') {
      const err = new RtapError(`worker thread: ${m.message}`);
      if (m.stack) err.stack = m.stack;
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      return p ? p.reject(err) : this.fail(err);
    }
    if (m.panesSent !== undefined) this.panesSent = m.panesSent;
    if (m.merged !== undefined) {
      this.merged = m.merged;
      this.gate?.moved();
    }
    const p = m.id === -1 ? null : this.pending.get(m.id);
    if (m.id !== -1) {
      if (!p) return;
      this.pending.delete(m.id);
    }
    this.hooks.counted(m.counters);
    if (m.ingest && p) {
      const ends = m.ingestEnds ?? [m.ingest.length];
      for (let i = 0, from = 0; i < ends.length; from = ends[i++])
        if (ends[i] > from) this.hooks.ingested(m.ingest.subarray(from, ends[i]), p.nows[i]);
    }
    m.results.forEach((out, i) => this.tasks.get(out.task)!.absorb(out, p?.records?.[i] ?? null));
    p?.resolve(m);
    if (p || m.results.some((r) => r.outputs.length || r.deadLetters.length)) this.hooks.produced();
  }

  private call(
    msg: ToWorker,
    records: (readonly ConsumedRecord[])[] | null = null,
    transfer: ArrayBuffer[] = [],
    nows: number[] = ['now' in msg ? msg.now : 0],
  ): Promise<Extract<FromWorker, { type: 'done' }>> {
    if (this.failure) return Promise.reject(this.failure);
    // Batches handed over before this call go first: the worker answers in order.
    if (msg.type !== 'batch') this.flush();
    return new Promise((resolve, reject) => {
      this.pending.set(msg.id, { resolve, reject, records, nows });
      this.worker.postMessage(msg, transfer);
    });
  }

  /**
   * Hands a batch over; resolves once the worker processed it. The batches of one turn of the event loop
   * (the partitions of one fetch) go as one message: on a live stream a fetch brings a few records per
   * partition, and a message and a reply per batch (about 2,000 a second at 20k events/s over 21
   * partitions) cost both threads more than the records did.
   */
  batch(task: string, records: readonly ConsumedRecord[], now: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.queued.length === 0) this.inFlight++;
    this.inFlightRecords += records.length;
    const done = new Promise<void>((resolve, reject) =>
      this.queued.push({ task, records, now, resolve, reject }),
    );
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return done;
  }

  private flush(): void {
    this.flushScheduled = false;
    const parts = this.queued;
    if (parts.length === 0) return;
    this.queued = [];
    let n = 0;
    for (const p of parts) n += p.records.length;
    const offsets = new Float64Array(n);
    const keys: (string | null)[] = new Array(n);
    const values: Buffer[] = new Array(n);
    let at = 0;
    for (const p of parts)
      for (const r of p.records) {
        offsets[at] = r.offset;
        keys[at] = r.key;
        values[at++] = r.value;
      }
    const packed = packBytes(values);
    this.call(
      {
        type: 'batch',
        id: this.nextId++,
        parts: parts.map((p) => ({
          task: p.task,
          topic: p.records[0].topic,
          partition: p.records[0].partition,
          count: p.records.length,
          now: p.now,
        })),
        offsets,
        keys,
        values: packed,
      },
      parts.map((p) => p.records),
      [packed.bytes.buffer as ArrayBuffer, packed.ends.buffer as ArrayBuffer, offsets.buffer],
      parts.map((p) => p.now),
    ).then(
      () => {
        this.release(n);
        for (const p of parts) p.resolve();
      },
      (err: Error) => {
        this.release(n);
        for (const p of parts) p.reject(err);
      },
    );
  }

  private release(records: number): void {
    this.inFlight--;
    this.inFlightRecords -= records;
    this.waiters.shift()?.();
  }

  async ready(): Promise<void> {
    if (this.failure) return;
    if (this.inFlight >= MAX_IN_FLIGHT || this.inFlightRecords >= MAX_RECORDS_IN_FLIGHT) {
      // What waits to be sent must go now: only a reply frees room.
      this.flush();
      await new Promise<void>((r) => this.waiters.push(r));
    }
    while (this.gate?.behind()) await this.gate.wait();
  }

  async tick(now: number, unread?: Unread): Promise<void> {
    await this.call({ type: 'tick', id: this.nextId++, now, unread });
  }

  async drain(now: number, expect?: Expect): Promise<void> {
    await this.call({ type: 'drain', id: this.nextId++, now, expect });
  }

  async assign(partitions: TopicPartition[], now: number): Promise<void> {
    await this.call({ type: 'assign', id: this.nextId++, partitions, now });
  }

  async snapshot(
    known: ReadonlyMap<string, string> | null,
    expect?: Expect,
  ): Promise<Record<string, EncodedUnit>> {
    return (await this.call({ type: 'snapshot', id: this.nextId++, known, expect })).states ?? {};
  }

  /** Replaces its tasks' state with the restored one (parsed there: chunks.ts unitState). */
  async restore(states: Record<string, TaskState | StoredUnit | null>): Promise<void> {
    const units = Object.fromEntries([...this.tasks.keys()].map((n) => [n, states[n] ?? null]));
    await this.call({ type: 'restore', id: this.nextId++, units });
  }

  /** Resolves once every call handed over so far has returned (calls are answered in order). */
  async idle(expect?: Expect): Promise<void> {
    await this.call({ type: 'ping', id: this.nextId++, expect });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }
}

export interface ThreadHooks {
  /** A worker's counts since its previous reply. */
  counted(counters: ProcessorCounters): void;
  /** Ingest samples (intended send times) of records received at `receivedAt`. */
  ingested(intendedSendTimes: Float64Array, receivedAt: number): void;
  /** A reply brought outputs: the processor should settle its tasks. */
  produced(): void;
  warn(message: string): void;
  failed(err: Error): void;
}

/** How far the merge thread is behind the pane messages the task threads sent it. */
class MergeGate {
  readonly tasks: TaskThread[] = [];
  merge: TaskThread | null = null;
  /** A thread failed: nothing waits any more (the processor stops). */
  failed = false;
  private waiters: (() => void)[] = [];

  behind(): boolean {
    if (!this.merge || this.failed) return false;
    let sent = 0;
    for (const t of this.tasks) sent += t.panesSent;
    return sent - this.merge.merged > MAX_PANE_MESSAGES_BEHIND;
  }

  wait(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  /** The merge thread took more (or failed): waiting task threads look again. */
  moved(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/**
 * The tasks of one process on `threads` worker threads (task t on thread t mod threads), and the merge
 * step on a thread of its own that the task threads feed directly: the main thread keeps consuming,
 * delivering and committing while the workers decode, aggregate, merge and match.
 */
export class TaskPool {
  private readonly threads: TaskThread[];
  private readonly mergeThread: TaskThread;
  readonly tasks = new Map<string, RemoteTask>();
  /** The merge step (unit `merge`). */
  readonly merge: RemoteTask;

  constructor(
    spec: TaskSpec,
    partitions: number[],
    names: string[],
    threads: number,
    hooks: ThreadHooks,
    archive = false,
  ) {
    const n = Math.max(1, Math.min(threads, names.length));
    const tasks = spec.engine.tasks ?? 1;
    const channels = Array.from({ length: n }, () => new MessageChannel());
    const gate = new MergeGate();
    const failed = (err: Error) => {
      gate.failed = true;
      gate.moved();
      hooks.failed(err);
    };
    const threadHooks = { ...hooks, failed };
    this.threads = Array.from({ length: n }, (_, i) => {
      const mine = names.filter((_, j) => j % n === i);
      const port = channels[i].port1;
      const init: WorkerInit = {
        spec,
        partitions,
        tasks,
        archive,
        units: mine,
        role: 'task',
        mergePort: port,
      };
      return new TaskThread(init, threadHooks, [port], gate);
    });
    gate.tasks.push(...this.threads);
    const panePorts = channels.map((c) => c.port2);
    this.mergeThread = new TaskThread(
      { spec, partitions, tasks, archive: false, units: ['merge'], role: 'merge', panePorts },
      threadHooks,
      panePorts,
      gate,
    );
    gate.merge = this.mergeThread;
    for (const t of this.threads) for (const [name, task] of t.tasks) this.tasks.set(name, task);
    this.merge = this.mergeThread.tasks.get('merge')!;
  }

  get size(): number {
    return this.threads.length;
  }

  private get all(): TaskThread[] {
    return [...this.threads, this.mergeThread];
  }

  /** The barrier for the merge thread: every pane message the task threads have sent so far. */
  private expect(): Expect {
    return this.threads.map((t) => t.panesSent);
  }

  async tick(now: number, unread?: Unread): Promise<void> {
    await Promise.all(this.all.map((t) => t.tick(now, unread)));
  }

  /** The tasks first: their last panes and forwarded events reach the merge step before it drains. */
  async drain(now: number): Promise<void> {
    await Promise.all(this.threads.map((t) => t.drain(now)));
    await this.mergeThread.drain(now, this.expect());
  }

  async assign(partitions: TopicPartition[], now: number): Promise<void> {
    await Promise.all(this.threads.map((t) => t.assign(partitions, now)));
  }

  /** Gives every unit its restored state (null: fresh), parsed on its thread, all threads at once. */
  async restore(states: Record<string, TaskState | StoredUnit | null>): Promise<void> {
    await Promise.all(this.all.map((t) => t.restore(states)));
  }

  /** Waits for every batch handed over so far, and for the merge step to have taken what they sent it. */
  async idle(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.idle()));
    await this.mergeThread.idle(this.expect());
  }

  /** Every unit's state as checkpoint chunks, encoded on its thread relative to `known`. */
  async snapshot(known: ReadonlyMap<string, string> | null): Promise<Record<string, EncodedUnit>> {
    const expect = this.expect();
    const parts = await Promise.all([
      ...this.threads.map((t) => t.snapshot(known)),
      this.mergeThread.snapshot(known, expect),
    ]);
    return Object.assign({}, ...parts) as Record<string, EncodedUnit>;
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((t) => t.close()));
  }
}

import { EventEmitter } from 'node:events';
import type { Alert, ViewResult } from '../events/results.js';
import type { AnalyticsEvent } from '../events/types.js';
import type { EngineConfig } from '../engine/config.js';
import type { StoredUnit } from '../checkpoint/chunks.js';
import type { CheckpointInput, Checkpointer, Restored, RestoredState } from '../checkpoint/coordinator.js';
import type { PartitionOffset } from '../checkpoint/store.js';
import type { LatencyRecorders } from '../reporting/histograms.js';
import { sinkStatsOf } from '../sinks/stats.js';
import type { Sink, SinkStats } from '../sinks/types.js';
import type { Clock } from '../time/clock.js';
import type {
  ConsumedRecord,
  Consumer,
  Producer,
  RecordBatch,
  TopicPartition,
  Transport,
} from '../transport/types.js';
import { taskOf } from '../transport/topics.js';
import type { OutputRouter } from '../checkpoint/buffer.js';
import { FencedError, GroupMovedError, RtapError } from '../errors.js';
import { BacklogWatch } from './backlog.js';
import { addCounters, newCounters } from './counters.js';
import { RemoteTask, TaskPool } from './threads/pool.js';
import { deliverOutputs, deadLetterMessages } from './delivery.js';
import { TaskRuntime, type PaneRecord, type TaskState } from './task-runtime.js';
import { taskFactories, type TaskSpec } from './task-spec.js';

export { countersReport, newCounters, type ProcessorCounters } from './counters.js';

/** At-least-once (no checkpoints): delivered offsets commit this often, and when partitions leave. */
const AT_LEAST_ONCE_COMMIT_MS = 1000;

export interface ProcessorOptions {
  transport: Transport;
  groupId: string;
  inputTopics: string[];
  deadLetterTopic: string;
  fromBeginning: boolean;
  /** What every task runs (engine config with `tasks`, patterns): task-spec.ts. */
  spec: TaskSpec;
  /** Every input partition number (0 .. the largest partition count - 1): the merge step waits for each. */
  partitions: number[];
  /**
   * Checkpointing (exactly-once on Kafka): state is restored before consuming, outputs and dead letters
   * go to the checkpointer's producer, and offsets are committed by its checkpoints instead of once a second.
   */
  checkpointer?: Checkpointer;
  sinks: Sink[];
  recorders: LatencyRecorders;
  clock: Clock;
  /** How often idle detection, early emission and window firing run without input (wall ms). */
  tickIntervalMs?: number;
  /** Blocks the processing loop once, `afterMs` after start, for `durationMs` (bench --inject-stall). */
  injectStall?: { afterMs: number; durationMs: number };
  /**
   * Scale-out on Kafka: the group's processes share the work by task (partition p of every input topic;
   * the merge task). Each task has its own engine, CEP and checkpoints; tumbling and hopping panes go
   * through `panesTopic` to the merge task, which emits those windows (engine/merge.ts).
   */
  scaleOut?: ScaleOutOptions;
  /** Progress lines (tasks taken over or moved away). */
  log?: (line: string) => void;
  /**
   * Worker threads for the tasks (without scale-out): > 1 runs them on min(threads, tasks) threads and the
   * merge step on one more, while this thread consumes, delivers and commits; 1 runs everything here.
   * Default 1.
   */
  threads?: number;
}

export interface ScaleOutOptions {
  panesTopic: string;
  /** Checkpoint interval of every task (ms). */
  intervalMs: number;
  /** Tasks over the input topics (topics.ts taskOf): the engine config's `tasks`. */
  units: number;
  engine: EngineConfig;
  /** The checkpointer of one task, over the input partitions `owns` accepts. */
  openCheckpointer(task: string, topics: string[], owns: (tp: TopicPartition) => boolean): Checkpointer;
  /** The topics sink's producer: pointed at the transaction of the task whose outputs are delivered. */
  router: OutputRouter;
}

/**
 * A task runtime with where its outputs go: a task (engine and CEP over partitions p ≡ n mod tasks of every
 * input topic) or the merge step (a PaneMerger, and the patterns and rules that need every task's data).
 */
/** A unit whose runtime runs on this thread (scale-out tasks, the merge step, every task with one thread). */
type LocalUnit = Unit & { runtime: TaskRuntime };

interface Unit {
  runtime: TaskRuntime | RemoteTask;
  /** Scale-out: the task's own checkpointer. */
  checkpointer?: Checkpointer;
  /** Dead letters' producer: the checkpoint's transaction when there is one. */
  dlq: Producer;
}

/** Live feed for the terminal UI and the dashboard: 'result', 'alert', 'batch' events. */
export interface ProcessorEvents {
  result: [ViewResult];
  /** An event the engine found behind the watermark (dead-lettered and counted). */
  late: [AnalyticsEvent];
  alert: [Alert];
  batch: [{ topic: string; partition: number; records: number; lag: number }];
  /** State restored from checkpoint `seq` (-1: none, fresh start) in `ms`, before the first batch. */
  recovered: [{ seq: number; ms: number }];
}

export interface RecoveryCounters {
  /** Checkpoints committed by this process. */
  checkpoints: number;
  /** Checkpoint the state was restored from; -1 = fresh start (or no checkpointing). */
  restoredSeq: number;
  /** Wall ms from start() until the checkpointed state was restored (0 without checkpointing). */
  recoveryMs: number;
}

/**
 * The stream processor, in the task model: input partition p of every topic belongs to task p mod T (T =
 * the gcd of the partition counts, so one user's events meet in one task); each task runs decode → engine
 * → CEP (task-runtime.ts); its tumbling and hopping panes, progress and forwarded events go to a merge step
 * that emits those windows and runs the patterns that need every task. Without scale-out every task and the
 * merge step live in this process (one checkpoint for all); with scale-out the group's processes share the
 * tasks and the merge task reads the panes topic, each task with checkpoints of its own. Outputs go to
 * every sink, latencies are recorded, and offsets commit once outputs are written (at-least-once) or in the
 * checkpoint's transaction (exactly-once).
 */
export class Processor extends EventEmitter<ProcessorEvents> {
  readonly counters = newCounters();
  readonly recovery: RecoveryCounters = { checkpoints: 0, restoredSeq: -1, recoveryMs: 0 };
  /** Wall times (epoch ms) the first and the latest batch were processed: a drain's busy period. */
  readonly activity = { firstBatchAt: 0, lastBatchAt: 0 };
  /** Current lag per "topic/partition". */
  readonly lag = new Map<string, number>();
  private consumer: Consumer | null = null;
  /** Units by name: `task-<n>` and `merge`, or in scale-out the tasks (`merge-<q>` too) this process owns. */
  private readonly units = new Map<string, Unit>();
  /**
   * Without scale-out: the merge step. With one thread it runs here, fed after every task's batch; with
   * more, on a thread of its own that the task threads feed (TaskPool).
   */
  private merge: Unit | null = null;
  /** Serialises batches and ticks: task state is single-threaded. */
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private stallDone = false;
  private runPromise: Promise<void> | null = null;
  private stopping = false;
  private checkpointTimer: NodeJS.Timeout | null = null;
  /** The checkpoint being written and committed, if any (its failure goes to fail()). */
  private committing: Promise<void> | null = null;
  /** The interval came round while a checkpoint was still committing: the next starts when it has. */
  private checkpointDue = false;
  /** When the checkpoint about to be taken fell due (CheckpointRecord.preparedMs). */
  private dueAt: number | null = null;
  /** Next offset per "topic/partition" reflected in the state (checkpointing only). */
  private readonly positions = new Map<string, PartitionOffset>();
  private readonly checkpointed: boolean;
  /** Tasks over the input topics. */
  private readonly tasks: number;
  private readonly factories: Record<'task' | 'merge', ReturnType<typeof taskFactories>>;
  /** Dead-letter producer of units without a checkpointer. */
  private sharedDlq: Producer | null = null;
  /** A sink archives the accepted input (Sink.archive): the tasks keep their accepted events for it. */
  private readonly archiving: boolean;
  /** The worker threads of the tasks (threads > 1, without scale-out). */
  private pool: TaskPool | null = null;
  private settleQueued = false;
  private tickInFlight = false;
  /** Threads, at-least-once: offsets of batches whose outputs wait to be delivered before they commit. */
  private commitsAfterSettle: PartitionOffset[] = [];
  /** At-least-once: offsets whose outputs are delivered, committed together every AT_LEAST_ONCE_COMMIT_MS. */
  private readonly delivered = new Map<string, PartitionOffset>();
  private lastCommitAt = 0;
  /** What the consumer has not read yet (idleness, lag), where the transport can tell. */
  private backlog: BacklogWatch | null = null;

  constructor(private readonly o: ProcessorOptions) {
    super();
    this.checkpointed = Boolean(o.checkpointer ?? o.scaleOut);
    this.archiving = o.sinks.some((sink) => sink.archive);
    this.tasks = o.scaleOut?.units ?? o.spec.engine.tasks ?? 1;
    this.factories = { task: taskFactories(o.spec, 'task'), merge: taskFactories(o.spec, 'merge') };
    if (!o.scaleOut) void this.createLocalUnits(null);
  }

  /**
   * Every task and the merge step of a process that owns the whole group, restored from `state` (null:
   * fresh). Task threads start with the processor, so they boot while the checkpoint is read; a restore
   * hands them their state, which they parse while this thread parses the merge step's.
   */
  private createLocalUnits(state: RestoredState | null): Promise<void> {
    if (state && !state.units)
      throw new RtapError(
        `the checkpoint of group '${this.o.groupId}' was written by an older rtap (one engine for every partition): start a new --group or delete its checkpoints`,
      );
    this.units.clear();
    const names = Array.from({ length: this.tasks }, (_, t) => `task-${t}`);
    let restored = Promise.resolve();
    // A pool that exists already (threads boot with the processor) is given the state; its tasks are new.
    if ((this.o.threads ?? 1) > 1) {
      if (this.pool) restored = this.pool.restore(state?.units ?? {});
      this.pool ??= new TaskPool(
        this.o.spec,
        this.o.partitions,
        names,
        this.o.threads!,
        {
          counted: (c) => addCounters(this.counters, c),
          ingested: (ists, receivedAt) => {
            for (const ist of ists) this.o.recorders.recordFrom('ingest', ist, receivedAt);
          },
          produced: () => this.queueSettle(),
          warn: (message) => process.stderr.write(`rtap: warning: ${message}\n`),
          failed: (err) => this.fail(err),
        },
        this.archiving,
      );
      for (const n of names) this.units.set(n, { runtime: this.pool.tasks.get(n)!, dlq: this.unitDlq() });
    } else
      for (const name of names)
        this.units.set(name, this.newUnit(name, undefined, state?.units?.[name] ?? null));
    try {
      this.merge = this.pool
        ? { runtime: this.pool.merge, dlq: this.unitDlq() }
        : this.newUnit('merge', undefined, state?.units?.merge ?? null);
    } catch (err) {
      restored.catch(() => undefined); // this error is the one to report
      throw err;
    }
    this.units.set('merge', this.merge);
    return restored;
  }

  /** createLocalUnits, failing as a promise. */
  private async createLocalUnitsAsync(state: RestoredState): Promise<void> {
    await this.createLocalUnits(state);
  }

  private newUnit(
    name: string,
    checkpointer: Checkpointer | undefined,
    state: TaskState | StoredUnit | null,
  ): LocalUnit {
    const merge = name.startsWith('merge');
    const number = Number(name.slice(name.indexOf('-') + 1));
    const runtime = new TaskRuntime({
      name,
      ...this.factories[merge ? 'merge' : 'task'],
      shipPanes: !merge,
      // The panes topic of scale-out carries finals only: early results come from an in-process merge.
      shipEarly: !this.o.scaleOut,
      mergeHere: !this.o.scaleOut,
      merge: merge ? { engine: this.o.spec.engine, partitions: this.o.partitions } : undefined,
      reports: merge ? undefined : this.o.partitions.filter((p) => p % this.tasks === number),
      state,
      counters: this.counters,
      archive: this.archiving,
      ingest: (ist, now) => this.o.recorders.recordFrom('ingest', ist, now),
      warn: (message) => process.stderr.write(`rtap: warning: ${message}\n`),
    });
    return { runtime, checkpointer, dlq: this.unitDlq(checkpointer) };
  }

  /** Where a unit's dead letters go: its own checkpoint, the process's, or one plain producer. */
  private unitDlq(checkpointer?: Checkpointer): Producer {
    const own = checkpointer ?? this.o.checkpointer;
    return own?.outputs ?? (this.sharedDlq ??= this.o.transport.producer({ clientId: 'rtap-deadletter' }));
  }

  /** The watermark of the pipeline: the lowest of this process's tasks (-Infinity before any). */
  watermark(): number {
    let wm = Infinity;
    for (const u of this.units.values()) if (u !== this.merge) wm = Math.min(wm, u.runtime.watermark());
    return wm === Infinity ? -Infinity : wm;
  }

  /** The counters of every sink, by sink name. */
  sinkStats(): Record<string, SinkStats> {
    return sinkStatsOf(this.o.sinks);
  }

  /** Starts consuming; resolves once the consumer loop ends (after stop()). */
  start(): Promise<void> {
    this.startedAt = this.o.clock.now();
    this.runPromise = this.run();
    return this.runPromise;
  }

  private async run(): Promise<void> {
    const ck = this.o.checkpointer;
    if (ck) {
      const t0 = Date.now();
      // The units are rebuilt from the checkpoint the store expects while the committed offsets are
      // fetched; if they name another (a crash between a state's write and its commit), again from that.
      const early: { from?: Restored; units?: Promise<void> } = {};
      const restored = await ck.restore((likely) => {
        early.from = likely;
        early.units = this.createLocalUnitsAsync(likely.state);
        early.units.catch(() => undefined); // reported below if this is the state restored
      });
      if (early.from && early.from === restored) await early.units;
      else if (early.from || restored) {
        await early.units?.catch(() => undefined);
        await this.createLocalUnits(restored?.state ?? null);
      }
      for (const p of restored?.offsets ?? []) this.positions.set(`${p.topic}/${p.partition}`, p);
      this.recovery.recoveryMs = Date.now() - t0;
      this.recovery.restoredSeq = restored?.seq ?? -1;
      this.emit('recovered', { seq: restored?.seq ?? -1, ms: this.recovery.recoveryMs });
      if (this.stopping) return;
    }
    if (this.checkpointed) {
      this.checkpointTimer = setInterval(
        () => {
          this.serial(() => this.checkpoint()).catch((err: Error) => this.fail(err));
        },
        (ck ?? this.o.scaleOut!).intervalMs,
      );
    }
    const so = this.o.scaleOut;
    this.consumer = this.o.transport.consumer({
      groupId: this.o.groupId,
      topics: so ? [...this.o.inputTopics, so.panesTopic] : this.o.inputTopics,
      fromBeginning: this.o.fromBeginning,
      // Every assigned partition holds the watermark back from the start, not from its first event:
      // otherwise catching up one partition at a time would make the others' events look late.
      // Scale-out adopts every task of the assignment it does not run: also one dropped when fenced (a
      // process that lost its membership may fence a task's owner before the rebalance reaches either).
      onAssigned: (added, assignment) =>
        so ? this.serial(() => this.adopt(assignment)) : added.length ? this.assign(added) : undefined,
      onRevoked: so
        ? (partitions, lost) => this.serial(() => this.release(partitions, lost))
        : this.checkpointed
          ? undefined
          : (partitions, lost) => this.serial(() => this.commitRevoked(partitions, lost)),
      // With checkpoints the state says where each partition is; the group's offsets follow the checkpoints.
      positions: this.checkpointed
        ? (tp) => this.positions.get(`${tp.topic}/${tp.partition}`)?.offset
        : undefined,
      tasks: so ? { panesTopic: so.panesTopic, units: so.units } : undefined,
    });
    const consumer = this.consumer;
    if (consumer.backlog) {
      // Asked several times per idle timeout, so a partition is never idle on an answer older than that.
      const idle = this.o.spec.engine.idleTimeoutMs;
      const intervalMs = Math.min(1000, Math.max(20, Math.floor(idle / 4)));
      this.backlog = new BacklogWatch(() => consumer.backlog!(), this.o.clock, {
        intervalMs,
        staleMs: Math.max(idle, 3 * intervalMs),
        log: (line) => (this.o.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(line),
      });
      this.backlog.start();
    }
    this.timer = setInterval(() => {
      this.serial(() => this.tick()).catch((err: Error) => this.fail(err));
    }, this.o.tickIntervalMs ?? 100);
    await this.consumer.run((batch) => this.serial(() => this.handleBatch(batch)));
  }

  /** Registers assigned partitions with their tasks: they hold the watermark back until they send or go idle. */
  private assign(partitions: TopicPartition[]): void {
    const now = this.o.clock.now();
    if (this.pool) void this.pool.assign(partitions, now).catch((err: Error) => this.fail(err));
    for (const u of this.units.values())
      u.runtime.engine?.assign(
        partitions.filter((tp) => this.unitOf(tp.topic, tp.partition) === u),
        now,
      );
  }

  /** Scale-out: restores the tasks of newly assigned partitions from their checkpoints. */
  private async adopt(partitions: TopicPartition[]): Promise<void> {
    const so = this.o.scaleOut!;
    const t0 = Date.now();
    const names = [
      ...new Set(partitions.map((tp) => taskOf(tp.topic, tp.partition, so.panesTopic, so.units))),
    ].filter((n) => !this.units.has(n));
    for (const name of names) {
      // Moved away by a join since this assignment (restoring the tasks before it took a while): starting
      // its transactions now would fence the new owner, which has already taken it over.
      if (!this.assigned(name).length) continue;
      const number = Number(name.slice(name.indexOf('-') + 1));
      const merge = name.startsWith('merge');
      const topics = merge ? [so.panesTopic] : this.o.inputTopics;
      const owns = (tp: TopicPartition) =>
        merge
          ? tp.topic === so.panesTopic && tp.partition === number
          : tp.topic !== so.panesTopic && tp.partition % so.units === number;
      const ck = so.openCheckpointer(name, topics, owns);
      const restored = await ck.restore();
      const unit = this.newUnit(name, ck, restored?.state ?? null);
      for (const p of restored?.offsets ?? []) this.positions.set(`${p.topic}/${p.partition}`, p);
      unit.runtime.engine?.assign(this.assigned(name), this.o.clock.now());
      this.units.set(name, unit);
      this.recovery.restoredSeq = Math.max(this.recovery.restoredSeq, restored?.seq ?? -1);
      this.o.log?.(
        `rtap process: took over ${name}${restored ? ` at checkpoint ${restored.seq}` : ' (fresh)'}`,
      );
    }
    this.recovery.recoveryMs += Date.now() - t0;
    if (names.length) this.emit('recovered', { seq: this.recovery.restoredSeq, ms: Date.now() - t0 });
  }

  /**
   * Scale-out: tasks whose partitions went to another process are dropped with what they hold since
   * their last checkpoint; the new owner restores that checkpoint and reprocesses (its transactional id
   * fences this process's, so nothing of the dropped work can commit any more). On stop they are
   * checkpointed first, so the next owner starts where this one stopped.
   */
  private async release(partitions: TopicPartition[], lost: boolean): Promise<void> {
    const so = this.o.scaleOut!;
    const names = new Set(partitions.map((tp) => taskOf(tp.topic, tp.partition, so.panesTopic, so.units)));
    for (const name of names) {
      const unit = this.units.get(name);
      if (!unit) continue;
      if (this.stopping && !this.failure) await this.checkpointUnit(unit);
      if (this.units.has(name))
        await this.drop(
          unit,
          this.stopping || this.failure
            ? null
            : lost
              ? 'given up: this process had been removed from the group (it may have moved meanwhile); restored again if assigned'
              : 'moved to another process',
        );
    }
  }

  /** Scale-out: the partitions of task `name` in the consumer's assignment now. */
  private assigned(name: string): TopicPartition[] {
    const so = this.o.scaleOut!;
    return (this.consumer?.assignment() ?? []).filter(
      (tp) => taskOf(tp.topic, tp.partition, so.panesTopic, so.units) === name,
    );
  }

  /** Forgets a task and its positions (scale-out); its new owner continues from its last checkpoint. */
  private async drop(u: Unit, why: string | null): Promise<void> {
    const so = this.o.scaleOut!;
    const name = u.runtime.name;
    this.units.delete(name);
    for (const [k, p] of this.positions)
      if (taskOf(p.topic, p.partition, so.panesTopic, so.units) === name) this.positions.delete(k);
    await u.checkpointer?.close();
    if (why) this.o.log?.(`rtap process: ${name} ${why}`);
  }

  /**
   * One checkpoint: outputs so far into the sinks, then state + offsets through the checkpointer — every
   * unit's own in scale-out, one for all of them otherwise.
   */
  private async checkpoint(final = false): Promise<void> {
    const ck = this.o.checkpointer;
    if (!ck) {
      for (const u of [...this.units.values()]) await this.checkpointUnit(u);
      return;
    }
    // One at a time; processing goes on while the previous one is written and committed (waiting for it
    // here would hold every batch behind it), and the next begins as soon as it has committed.
    if (this.committing && !final) {
      this.checkpointDue = true;
      return;
    }
    // Due from now, or from when the previous one committed: what comes before the snapshot from here is
    // this one's own preparation.
    this.dueAt ??= Date.now();
    await this.committing;
    if (this.failure) return;
    // Threads: every batch handed over is processed and its outputs delivered before the snapshot.
    await this.pool?.idle();
    for (const u of this.units.values()) await this.settle(u, this.o.clock.now());
    // Task threads encode their own state's chunks; this thread encodes the units it runs.
    const remote = this.pool ? await this.pool.snapshot(ck.known()) : {};
    const state = (): CheckpointInput => ({
      engine: null,
      cep: null,
      units: Object.fromEntries(
        [...this.units].map(([name, u]) => [
          name,
          u.runtime instanceof TaskRuntime ? u.runtime.snapshot() : remote[name],
        ]),
      ),
    });
    // The snapshot and the outputs are taken now; the state's write, the sinks' flush and the transaction
    // run while the next batches are processed (Flink's asynchronous snapshot): a checkpoint that waited
    // for its fsync and commit took most of a 1 s interval from processing at 10k events/s.
    const dueAt = this.dueAt;
    this.dueAt = null;
    const done = ck.begin(state, [...this.positions.values()], () => this.flushSinks(), dueAt ?? undefined);
    if (!done) return;
    this.committing = done.then(
      () => {
        this.recovery.checkpoints++;
        this.committing = null;
        if (this.checkpointDue && !this.stopping) {
          this.checkpointDue = false;
          this.dueAt ??= Date.now();
          this.serial(() => this.checkpoint()).catch((err: Error) => this.fail(err));
        }
      },
      (err: Error) => {
        this.committing = null;
        this.fail(err);
      },
    );
  }

  private async checkpointUnit(u: Unit): Promise<void> {
    const ck = u.checkpointer;
    if (!ck) return;
    await this.deliver(u);
    const panes = u.runtime.takePanes();
    if (panes.length)
      await ck.outputs.send(
        this.o.scaleOut!.panesTopic,
        panes.map((rec) => ({ key: null, partition: 0, value: Buffer.from(JSON.stringify(rec)) })),
      );
    const offsets = [...this.positions.values()].filter((p) => this.unitOf(p.topic, p.partition) === u);
    try {
      await this.flushSinks();
      const rt = u.runtime as TaskRuntime; // scale-out units run here
      if (await ck.checkpoint(() => rt.snapshot(), offsets)) this.recovery.checkpoints++;
    } catch (err) {
      if (!(err instanceof FencedError && this.o.scaleOut)) throw err;
      await this.fenced(u);
    }
  }

  /**
   * Scale-out: a task's transactions were fenced. Usually by its new owner, before the rebalance reached
   * this process: the task is dropped and the join that follows says where it went. But a previous owner
   * still restoring the task when it lost it fences whoever took it over first, and no join follows: so
   * when the group's coordinator says this member still holds the task, it is restored again from its
   * last checkpoint (the restore fences the stale owner in turn) instead of being left to nobody.
   */
  private async fenced(u: Unit): Promise<void> {
    const name = u.runtime.name;
    const tps = this.assigned(name);
    const holds = !this.stopping && tps.length > 0 && (await this.consumer?.holds?.(tps));
    if (!holds) return this.drop(u, 'fenced by its new owner');
    await this.drop(
      u,
      'fenced by a previous owner that had not let go of it: the group still assigns it here, restoring it again',
    );
    await this.adopt(tps);
    this.consumer?.reposition?.(tps);
  }

  /**
   * Everything the sinks were given before a checkpoint is at its destination before the checkpoint
   * commits: a restart from it replays only what came after, so store sinks lose nothing across a kill -9.
   */
  private async flushSinks(): Promise<void> {
    await Promise.all(this.o.sinks.map((s) => s.flush()));
  }

  private unitOf(topic: string, partition: number): Unit | undefined {
    const so = this.o.scaleOut;
    return this.units.get(
      so ? taskOf(topic, partition, so.panesTopic, so.units) : `task-${partition % this.tasks}`,
    );
  }

  /** A failure outside a batch (tick, sink): surfaced through stop() rather than lost. */
  private failure: Error | null = null;
  private fail(err: Error): void {
    this.failure ??= err;
    void this.consumer?.stop();
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async maybeStall(): Promise<void> {
    const s = this.o.injectStall;
    if (!s || this.stallDone) return;
    if (this.o.clock.now() - this.startedAt >= s.afterMs) {
      this.stallDone = true;
      await this.o.clock.sleep(s.durationMs);
    }
  }

  private async handleBatch(batch: RecordBatch): Promise<void> {
    await this.maybeStall();
    const unit = this.unitOf(batch.topic, batch.partition);
    // A batch fetched before its task moved away (the new owner processes it), or before the task was
    // restored again and its partitions sought back (the seek's fetch delivers these records again).
    if (!unit || batch.stale?.()) return;
    const now = this.o.clock.now();
    // Records the state already holds (a fetch begun before a seek took effect) are not processed twice.
    const from = this.checkpointed
      ? this.positions.get(`${batch.topic}/${batch.partition}`)?.offset
      : undefined;
    const records =
      from === undefined || batch.records[0].offset >= from
        ? batch.records
        : batch.records.filter((r) => r.offset >= from);
    if (records.length === 0) return;
    if (unit.runtime instanceof RemoteTask) return this.handOver(unit.runtime, batch, records, now);
    if (unit.runtime.merger)
      unit.runtime.mergePanes(
        records.map((r) => JSON.parse(r.value.toString('utf8')) as PaneRecord),
        now,
      );
    else unit.runtime.process(records, now);
    const next = Math.max(records[records.length - 1].offset + 1, batch.nextOffset ?? 0);
    const lag = Math.max(0, batch.highWatermark - next);
    this.lag.set(`${batch.topic}/${batch.partition}`, lag);
    // Max lag is the backlog when the batch arrived (this batch included): after processing it, a fetch
    // that returned everything up to the high watermark would always read 0.
    const backlog = Math.max(0, batch.highWatermark - records[0].offset);
    if (backlog > this.counters.maxLag) this.counters.maxLag = backlog;
    await this.settle(unit, now);
    if (this.checkpointed)
      this.positions.set(`${batch.topic}/${batch.partition}`, {
        topic: batch.topic,
        partition: batch.partition,
        offset: next,
      });
    else await this.commitDelivered([{ topic: batch.topic, partition: batch.partition, offset: next }]);
    this.activity.lastBatchAt = Date.now();
    if (!this.activity.firstBatchAt) this.activity.firstBatchAt = this.activity.lastBatchAt;
    this.emit('batch', { topic: batch.topic, partition: batch.partition, records: records.length, lag });
  }

  /**
   * Threads: a batch goes to its task's worker and this thread moves on; its outputs are delivered (and,
   * at-least-once, its offsets committed) when the worker has answered (settleAll). Positions move now:
   * a checkpoint waits for every batch handed over before it snapshots.
   */
  private async handOver(
    task: RemoteTask,
    batch: RecordBatch,
    records: ConsumedRecord[],
    now: number,
  ): Promise<void> {
    await task.ready();
    const next = Math.max(records[records.length - 1].offset + 1, batch.nextOffset ?? 0);
    const at = { topic: batch.topic, partition: batch.partition, offset: next };
    const done = task.process(records, now);
    if (this.checkpointed) this.positions.set(`${batch.topic}/${batch.partition}`, at);
    else void done.then(() => this.commitsAfterSettle.push(at)).catch(() => undefined);
    done.catch((err: Error) => this.fail(err));
    const lag = Math.max(0, batch.highWatermark - next);
    this.lag.set(`${batch.topic}/${batch.partition}`, lag);
    const backlog = Math.max(0, batch.highWatermark - records[0].offset);
    if (backlog > this.counters.maxLag) this.counters.maxLag = backlog;
    this.activity.lastBatchAt = Date.now();
    if (!this.activity.firstBatchAt) this.activity.firstBatchAt = this.activity.lastBatchAt;
    this.emit('batch', { topic: batch.topic, partition: batch.partition, records: records.length, lag });
  }

  /** Threads: a worker answered; its tasks' outputs are delivered in the processing order. */
  private queueSettle(): void {
    if (this.settleQueued) return;
    this.settleQueued = true;
    this.serial(() => this.settleAll()).catch((err: Error) => this.fail(err));
  }

  private async settleAll(): Promise<void> {
    this.settleQueued = false;
    const now = this.o.clock.now();
    for (const u of this.units.values()) if (u.runtime instanceof RemoteTask) await this.settle(u, now);
    if (this.commitsAfterSettle.length) await this.commitDelivered(this.commitsAfterSettle.splice(0));
  }

  /**
   * At-least-once: offsets whose outputs are delivered commit together once per AT_LEAST_ONCE_COMMIT_MS
   * (like the Java consumer's auto.commit.interval.ms, after delivery), not per batch: an OffsetCommit round
   * trip per batch, awaited in the delivery order, held every later delivery behind it and cost the broker a
   * request per batch. A crash re-reads at most that much more than it did.
   */
  private async commitDelivered(offsets: PartitionOffset[]): Promise<void> {
    for (const o of offsets) {
      const k = `${o.topic}/${o.partition}`;
      if (o.offset > (this.delivered.get(k)?.offset ?? -1)) this.delivered.set(k, o);
    }
    const now = Date.now();
    if (this.delivered.size === 0 || now - this.lastCommitAt < AT_LEAST_ONCE_COMMIT_MS) return;
    this.lastCommitAt = now;
    const all = [...this.delivered.values()];
    this.delivered.clear();
    if (!(await this.commitAtLeastOnce(all)))
      // Tried again with the next commit (unless newer ones came, or the partitions leave meanwhile).
      for (const o of all) {
        const k = `${o.topic}/${o.partition}`;
        if (!this.delivered.has(k)) this.delivered.set(k, o);
      }
  }

  /**
   * A group that moved on without this member (it missed its session timeout: a stalled machine, a stopped
   * process; or a rebalance is under way) refuses its commits. That is no failure of the pipeline: the
   * client joins again and is given partitions anew, and their records since the last commit that landed
   * are read again, as at-least-once allows. So it is said, and processing goes on. False: refused.
   */
  private async commitAtLeastOnce(offsets: PartitionOffset[]): Promise<boolean> {
    try {
      await this.consumer!.commit(offsets);
      return true;
    } catch (err) {
      if (!(err instanceof GroupMovedError)) throw err;
      this.o.log?.(
        `rtap process: ${err.message}; the records of ${offsets.length} partition(s) since their last commit may be read again (at-least-once)`,
      );
      return false;
    }
  }

  /** At-least-once: partitions leave (rebalance, stop): what was delivered of them commits now. */
  private async commitRevoked(partitions: TopicPartition[], lost: boolean): Promise<void> {
    const leaving = new Set(partitions.map((tp) => `${tp.topic}/${tp.partition}`));
    const mine = [...this.delivered].filter(([k]) => leaving.has(k));
    for (const [k] of mine) this.delivered.delete(k);
    // Lost partitions may belong to another member already: its commits are not ours to overwrite.
    if (!lost && mine.length) await this.commitAtLeastOnce(mine.map(([, o]) => o));
  }

  private async tick(): Promise<void> {
    const now = this.o.clock.now();
    const unread = this.backlog?.unread();
    const lag = this.backlog?.lag();
    if (lag) for (const [k, v] of lag) this.lag.set(k, v);
    // A worker's tick answers after the batches before it: not awaited here, its outputs settle later.
    if (this.pool && !this.tickInFlight) {
      this.tickInFlight = true;
      void this.pool
        .tick(now, unread)
        .catch((err: Error) => this.fail(err))
        .finally(() => (this.tickInFlight = false));
    }
    for (const u of this.units.values()) {
      if (u.runtime instanceof TaskRuntime) u.runtime.tick(now, unread);
      await this.settle(u, now);
    }
    if (!this.checkpointed) await this.commitDelivered([]);
  }

  /**
   * A unit's outputs to the sinks; without scale-out and threads, a task's panes straight to the merge
   * step, and its outputs (task threads send their panes to the merge thread themselves).
   */
  private async settle(u: Unit, now: number): Promise<void> {
    await this.deliver(u);
    const merge = this.merge;
    if (!merge || u === merge || !(merge.runtime instanceof TaskRuntime)) return;
    const records = u.runtime.takePanes();
    if (!records.length) return;
    merge.runtime.mergePanes(records, now);
    await this.deliver(merge);
  }

  /** Writes a unit's outputs and dead letters; awaiting sinks is the back-pressure path. */
  private async deliver(u: Unit): Promise<void> {
    const { outputs, deadLetters, accepted } = u.runtime.take();
    if (deadLetters.length) {
      await u.dlq.send(this.o.deadLetterTopic, deadLetterMessages(deadLetters, this.counters));
      for (const d of deadLetters) if (d.kind === 'late' && d.event) this.emit('late', d.event);
    }
    // The archive of the input comes before the outputs those events contributed to.
    if (accepted.length) await Promise.all(this.o.sinks.map((s) => s.archive?.(accepted)));
    if (outputs.length === 0) return;
    // The topics sink writes into this unit's transaction.
    const router = this.o.scaleOut?.router;
    if (router) router.target = u.checkpointer!.outputs;
    await deliverOutputs(outputs, this.o.sinks, this.o.recorders, this.counters, this.o.clock, this);
  }

  /** End of input: fire every open window and pattern timeout, deliver, flush sinks. */
  async drain(): Promise<void> {
    await this.serial(async () => {
      const now = this.o.clock.now();
      // The tasks first: their last panes and forwarded events reach the merge step before it drains
      // (the pool drains its merge thread after its task threads).
      await this.pool?.drain(now);
      for (const u of this.units.values()) {
        if (u === this.merge) continue;
        if (u.runtime instanceof TaskRuntime) u.runtime.drain(now);
        await this.settle(u, now);
      }
      if (this.merge) {
        if (this.merge.runtime instanceof TaskRuntime) this.merge.runtime.drain(now);
        await this.deliver(this.merge);
      }
      await Promise.all(this.o.sinks.map((s) => s.flush()));
    });
  }

  /** Total lag over all partitions the processor has seen; null while the broker does not answer. */
  totalLag(): number | null {
    if (this.backlog?.silent()) return null;
    let sum = 0;
    for (const v of this.lag.values()) sum += v;
    return sum;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    this.checkpointTimer = null;
    this.backlog?.stop();
    await this.consumer?.stop();
    await this.runPromise?.catch((err: Error) => (this.failure ??= err));
    await this.chain;
    // Clean stop (SIGTERM, q): a final checkpoint, so a successor resumes exactly here.
    if (this.checkpointed && !this.failure)
      await this.serial(() => this.checkpoint(true)).catch((err: Error) => (this.failure ??= err));
    await this.committing;
    for (const dlq of new Set([...this.units.values()].map((u) => u.dlq))) {
      await dlq.flush();
      await dlq.close();
    }
    await this.pool?.close();
    if (this.failure) throw this.failure;
  }
}

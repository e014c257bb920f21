import { EventEmitter } from 'node:events';
import { decodeEvent } from '../events/codec.js';
import type { Alert, ViewResult } from '../events/results.js';
import type { AnalyticsEvent } from '../events/types.js';
import { InvalidEventError } from '../events/validate.js';
import type { Engine, EngineHooks, EngineSnapshot } from '../engine/index.js';
import { encodePane, PaneMerger, type WirePane } from '../engine/merge.js';
import type { EngineConfig } from '../engine/config.js';
import type { Cep, CepSnapshot } from '../cep/index.js';
import type { Checkpointer, ProcessorState } from '../checkpoint/coordinator.js';
import type { PartitionOffset } from '../checkpoint/store.js';
import type { LatencyRecorders } from '../reporting/histograms.js';
import type { Output, Sink } from '../sinks/types.js';
import type { Clock } from '../time/clock.js';
import type {
  ConsumedRecord,
  Consumer,
  OutgoingMessage,
  Producer,
  RecordBatch,
  TopicPartition,
  Transport,
} from '../transport/types.js';
import { taskOf } from '../transport/topics.js';
import type { OutputRouter } from '../checkpoint/buffer.js';
import { FencedError } from '../errors.js';

export interface ProcessorOptions {
  transport: Transport;
  groupId: string;
  inputTopics: string[];
  deadLetterTopic: string;
  fromBeginning: boolean;
  createEngine(hooks: EngineHooks, snapshot?: EngineSnapshot): Engine;
  createCep: ((hooks: ProcessorHooks, snapshot?: CepSnapshot) => Cep) | null;
  /**
   * Checkpointing (exactly-once on Kafka): state is restored before consuming, outputs and dead letters
   * go to the checkpointer's producer, and offsets are committed by its checkpoints instead of per batch.
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
}

export interface ScaleOutOptions {
  panesTopic: string;
  /** Checkpoint interval of every task (ms). */
  intervalMs: number;
  /** Tasks over the input topics (topics.ts taskOf). */
  units: number;
  /** Every engine task, i.e. input partition number (0 .. the largest partition count - 1): the merge task waits for each. */
  tasks: number[];
  engine: EngineConfig;
  /** The checkpointer of one task, over the input partitions `owns` accepts. */
  openCheckpointer(task: string, topics: string[], owns: (tp: TopicPartition) => boolean): Checkpointer;
  /** The topics sink's producer: pointed at the transaction of the task whose outputs are delivered. */
  router: OutputRouter;
}

interface DeadLetter {
  record: ConsumedRecord | null;
  event: AnalyticsEvent | null;
  reason: string;
  bucket: string;
  kind: string;
}

/**
 * State with checkpoints of its own: everything (one process owns the group), or in scale-out one task
 * (an engine and CEP over partition p of every input topic) or the merge task (a PaneMerger, and the CEP
 * rules on the views it emits).
 */
interface Unit {
  name: string;
  engine: Engine | null;
  merger: PaneMerger | null;
  cep: Cep | null;
  checkpointer?: Checkpointer;
  /** Dead letters' producer: the checkpoint's transaction when there is one. */
  dlq: Producer;
  pending: Output[];
  /** Accepted events for the archiving sinks (Sink.archive), delivered before `pending`. */
  accepted: AnalyticsEvent[];
  deadLetters: DeadLetter[];
  /** Scale-out tasks: panes and progress for the merge task, sent with this task's next checkpoint. */
  panes: OutgoingMessage[];
  /** Scale-out tasks: the progress last sent ("horizon/active"). */
  reported: string;
  hooks: ProcessorHooks;
}

/** A record of the panes topic: a pane of one task, or a task's progress. */
type PaneRecord =
  | { view: string; task: number; start: number; pane: WirePane }
  | { tasks: number[]; horizon: number | null; active: boolean };

export interface ProcessorCounters {
  consumed: number;
  valid: number;
  deadLetters: number;
  late: number;
  duplicates: number;
  results: number;
  finalResults: number;
  alerts: number;
  /** Highest backlog (records behind the high watermark when a batch arrived) on any partition. */
  maxLag: number;
  deadLetterReasons: Record<string, number>;
}

export function newCounters(): ProcessorCounters {
  return {
    consumed: 0,
    valid: 0,
    deadLetters: 0,
    late: 0,
    duplicates: 0,
    results: 0,
    finalResults: 0,
    alerts: 0,
    maxLag: 0,
    deadLetterReasons: {},
  };
}

/** The counters as reports print them (`--json` summaries of process and bench). */
export function countersReport(c: ProcessorCounters) {
  return {
    consumed: c.consumed,
    valid: c.valid,
    dead_letters: c.deadLetters,
    dead_letter_reasons: c.deadLetterReasons,
    late: c.late,
    duplicates: c.duplicates,
    results: c.results,
    final_results: c.finalResults,
    alerts: c.alerts,
  };
}

export interface RecoveryCounters {
  /** Checkpoints committed by this process. */
  checkpoints: number;
  /** Checkpoint the state was restored from; -1 = fresh start (or no checkpointing). */
  restoredSeq: number;
  /** Wall ms from start() until the checkpointed state was restored (0 without checkpointing). */
  recoveryMs: number;
}

export interface ProcessorHooks {
  emit(result: ViewResult): void;
  /** Set when a sink archives the accepted input (Sink.archive). */
  accepted?(event: AnalyticsEvent): void;
  late(event: AnalyticsEvent, reason: string): void;
  duplicate(event: AnalyticsEvent): void;
  alert(alert: Alert): void;
  /** Non-fatal configuration problems (e.g. a rule reading a field its view lacks): printed once. */
  warn(message: string): void;
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

/**
 * The stream processor: consumes the input topics, decodes and validates (malformed → dead-letter with
 * its reason), feeds the engine and CEP, delivers their outputs to every sink, records latencies, and
 * commits offsets once outputs are written (at-least-once), or with checkpoints in one transaction with
 * the outputs (exactly-once). In scale-out each task of this process does so on its own (see Unit).
 */
export class Processor extends EventEmitter<ProcessorEvents> {
  readonly counters = newCounters();
  readonly recovery: RecoveryCounters = { checkpoints: 0, restoredSeq: -1, recoveryMs: 0 };
  /** Current lag per "topic/partition". */
  readonly lag = new Map<string, number>();
  private consumer: Consumer | null = null;
  /** Units by name: 'all' without scale-out; tasks and the merge task this process owns with it. */
  private readonly units = new Map<string, Unit>();
  /** Serialises batches and ticks: the engine is single-threaded state. */
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private stallDone = false;
  private runPromise: Promise<void> | null = null;
  private stopping = false;
  private checkpointTimer: NodeJS.Timeout | null = null;
  /** Next offset per "topic/partition" reflected in the state (checkpointing only). */
  private readonly positions = new Map<string, PartitionOffset>();
  private readonly checkpointed: boolean;

  constructor(private readonly o: ProcessorOptions) {
    super();
    this.checkpointed = Boolean(o.checkpointer ?? o.scaleOut);
    if (!o.scaleOut) this.units.set('all', this.newUnit('all', o.checkpointer, null));
  }

  private newUnit(name: string, checkpointer: Checkpointer | undefined, state: ProcessorState | null): Unit {
    const u: Unit = {
      name,
      engine: null,
      merger: null,
      cep: null,
      checkpointer,
      dlq: checkpointer?.outputs ?? this.o.transport.producer({ clientId: 'rtap-deadletter' }),
      pending: [],
      accepted: [],
      deadLetters: [],
      panes: [],
      reported: '',
      hooks: this.hooksFor(() => u),
    };
    const so = this.o.scaleOut;
    if (so && name.startsWith('merge')) {
      u.merger = new PaneMerger(so.engine, so.tasks, {
        emit: (r) => u.hooks.emit(r),
        latePane: (view, task, start, events) => {
          this.counters.late += events;
          u.deadLetters.push({
            record: null,
            event: null,
            reason: `late: a pane of ${view} (task ${task}, pane ${start}, ${events} events) reached the merge task after a window covering it was emitted (its partitions had been idle)`,
            bucket: 'late_pane',
            kind: 'late',
          });
        },
      });
      if (state?.merger) u.merger.restore(state.merger);
    } else {
      u.engine = this.o.createEngine(
        so
          ? {
              ...u.hooks,
              pane: (view, task, start, pane) =>
                this.shipPane(u, { view, task, start, pane: encodePane(pane) }),
            }
          : u.hooks,
        state?.engine ?? undefined,
      );
    }
    u.cep = this.o.createCep?.(u.hooks, state?.cep ?? undefined) ?? null;
    return u;
  }

  /** The watermark of the pipeline: the lowest of this process's units (-Infinity before any). */
  watermark(): number {
    let wm = Infinity;
    for (const u of this.units.values()) wm = Math.min(wm, this.unitWatermark(u));
    return wm === Infinity ? -Infinity : wm;
  }

  private unitWatermark(u: Unit): number {
    return u.engine
      ? u.engine.watermark()
      : u.merger!.horizon() + (this.o.scaleOut?.engine.allowedLatenessMs ?? 0);
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
      const restored = await ck.restore();
      if (restored) {
        this.units.set('all', this.newUnit('all', ck, restored.state));
        for (const p of restored.offsets) this.positions.set(`${p.topic}/${p.partition}`, p);
      }
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
      onAssigned: (partitions) =>
        so
          ? this.serial(() => this.adopt(partitions))
          : this.units.get('all')!.engine!.assign(partitions, this.o.clock.now()),
      onRevoked: so ? (partitions) => this.serial(() => this.release(partitions)) : undefined,
      // With checkpoints the state says where each partition is; the group's offsets follow the checkpoints.
      positions: this.checkpointed
        ? (tp) => this.positions.get(`${tp.topic}/${tp.partition}`)?.offset
        : undefined,
      tasks: so ? { panesTopic: so.panesTopic, units: so.units } : undefined,
    });
    this.timer = setInterval(() => {
      this.serial(() => this.tick()).catch((err: Error) => this.fail(err));
    }, this.o.tickIntervalMs ?? 100);
    await this.consumer.run((batch) => this.serial(() => this.handleBatch(batch)));
  }

  /** Scale-out: restores the tasks of newly assigned partitions from their checkpoints. */
  private async adopt(partitions: TopicPartition[]): Promise<void> {
    const so = this.o.scaleOut!;
    const t0 = Date.now();
    const names = [
      ...new Set(partitions.map((tp) => taskOf(tp.topic, tp.partition, so.panesTopic, so.units))),
    ].filter((n) => !this.units.has(n));
    for (const name of names) {
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
      unit.engine?.assign(
        partitions.filter((tp) => owns(tp)),
        this.o.clock.now(),
      );
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
  private async release(partitions: TopicPartition[]): Promise<void> {
    const so = this.o.scaleOut!;
    const names = new Set(partitions.map((tp) => taskOf(tp.topic, tp.partition, so.panesTopic, so.units)));
    for (const name of names) {
      const unit = this.units.get(name);
      if (!unit) continue;
      if (this.stopping && !this.failure) await this.checkpointUnit(unit);
      if (this.units.has(name))
        await this.drop(unit, this.stopping || this.failure ? null : 'moved to another process');
    }
  }

  /** Forgets a task and its positions (scale-out); its new owner continues from its last checkpoint. */
  private async drop(u: Unit, why: string | null): Promise<void> {
    const so = this.o.scaleOut!;
    this.units.delete(u.name);
    for (const [k, p] of this.positions)
      if (taskOf(p.topic, p.partition, so.panesTopic, so.units) === u.name) this.positions.delete(k);
    await u.checkpointer?.close();
    if (why) this.o.log?.(`rtap process: ${u.name} ${why}`);
  }

  private shipPane(u: Unit, rec: PaneRecord): void {
    u.panes.push({ key: null, partition: 0, value: Buffer.from(JSON.stringify(rec)) });
  }

  /** Scale-out task: its horizon for the merge task, when it changed (sent with the next checkpoint). */
  private reportProgress(u: Unit): void {
    if (!u.engine || !this.o.scaleOut) return;
    const horizon = u.engine.horizon();
    const active = u.engine.stats().activePartitions > 0;
    const now = `${horizon}/${active}`;
    if (now === u.reported) return;
    u.reported = now;
    const unit = Number(u.name.slice(u.name.indexOf('-') + 1));
    const so = this.o.scaleOut;
    this.shipPane(u, {
      tasks: so.tasks.filter((t) => t % so.units === unit),
      horizon: Number.isFinite(horizon) ? horizon : null,
      active,
    });
  }

  /** One checkpoint of every unit: outputs so far into the sinks, then state + offsets through its checkpointer. */
  private async checkpoint(): Promise<void> {
    for (const u of this.units.values()) await this.checkpointUnit(u);
  }

  private async checkpointUnit(u: Unit): Promise<void> {
    const ck = u.checkpointer;
    if (!ck) return;
    this.reportProgress(u);
    await this.deliver(u);
    if (u.panes.length) await ck.outputs.send(this.o.scaleOut!.panesTopic, u.panes.splice(0));
    const state: ProcessorState = {
      engine: u.engine?.snapshot() ?? null,
      cep: u.cep?.snapshot() ?? null,
      merger: u.merger?.snapshot(),
    };
    const offsets = [...this.positions.values()].filter((p) => this.unitOf(p.topic, p.partition) === u);
    // Everything the sinks were given before this checkpoint is at its destination before the checkpoint
    // commits: a restart from it replays only what came after, so store sinks lose nothing across a kill -9.
    await Promise.all(this.o.sinks.map((s) => s.flush()));
    try {
      if (await ck.checkpoint(state, offsets)) this.recovery.checkpoints++;
    } catch (err) {
      // Scale-out: the task's new owner fenced this process before the rebalance reached it here.
      if (!(err instanceof FencedError && this.o.scaleOut)) throw err;
      await this.drop(u, 'fenced by its new owner');
    }
  }

  private unitOf(topic: string, partition: number): Unit | undefined {
    const so = this.o.scaleOut;
    return this.units.get(so ? taskOf(topic, partition, so.panesTopic, so.units) : 'all');
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
    // A batch fetched before its task moved away: the new owner processes it.
    if (!unit) return;
    const { recorders, clock } = this.o;
    const now = clock.now();
    // Records the state already holds (a fetch begun before a seek took effect) are not processed twice.
    const from = this.checkpointed
      ? this.positions.get(`${batch.topic}/${batch.partition}`)?.offset
      : undefined;
    const records =
      from === undefined || batch.records[0].offset >= from
        ? batch.records
        : batch.records.filter((r) => r.offset >= from);
    if (records.length === 0) return;
    if (unit.merger) this.mergePanes(unit, records, now);
    else {
      const { engine, cep } = unit;
      for (const record of records) {
        this.counters.consumed++;
        let event: AnalyticsEvent;
        try {
          event = decodeEvent(record.value);
        } catch (err) {
          const invalid = err instanceof InvalidEventError;
          const reason = invalid ? err.message : `decode failed: ${(err as Error).message}`;
          unit.deadLetters.push({
            record,
            event: null,
            reason,
            bucket: invalid ? err.bucket : 'decode_failed',
            kind: 'malformed',
          });
          continue;
        }
        this.counters.valid++;
        recorders.recordFrom('ingest', event.intended_send_time, now);
        engine!.process(
          event,
          { topic: record.topic, partition: record.partition, offset: record.offset },
          now,
        );
        cep?.process(event, now);
      }
    }
    const next = Math.max(records[records.length - 1].offset + 1, batch.nextOffset ?? 0);
    const lag = Math.max(0, batch.highWatermark - next);
    this.lag.set(`${batch.topic}/${batch.partition}`, lag);
    // Max lag is the backlog when the batch arrived (this batch included): after processing it, a fetch
    // that returned everything up to the high watermark would always read 0.
    const backlog = Math.max(0, batch.highWatermark - records[0].offset);
    if (backlog > this.counters.maxLag) this.counters.maxLag = backlog;
    this.advance(unit, now);
    await this.deliver(unit);
    if (this.checkpointed)
      this.positions.set(`${batch.topic}/${batch.partition}`, {
        topic: batch.topic,
        partition: batch.partition,
        offset: next,
      });
    else await this.consumer!.commit([{ topic: batch.topic, partition: batch.partition, offset: next }]);
    this.emit('batch', { topic: batch.topic, partition: batch.partition, records: records.length, lag });
  }

  /** The merge task's input: panes and progress of every task, in the order each task committed them. */
  private mergePanes(unit: Unit, records: ConsumedRecord[], now: number): void {
    const merger = unit.merger!;
    for (const record of records) {
      const r = JSON.parse(record.value.toString('utf8')) as PaneRecord;
      if ('pane' in r) merger.addPane(r.view, r.task, r.start, r.pane);
      else for (const task of r.tasks) merger.progress(task, r.horizon ?? -Infinity, r.active, now);
    }
  }

  /** Engine and CEP hooks of one unit: called synchronously while they process or tick. */
  private hooksFor(unit: () => Unit): ProcessorHooks {
    return {
      emit: (result: ViewResult) => {
        const u = unit();
        u.pending.push({ kind: 'result', result });
        u.cep?.onViewResult(result, this.o.clock.now());
      },
      late: (event: AnalyticsEvent, reason: string) => {
        this.counters.late++;
        unit().deadLetters.push({ record: null, event, reason, bucket: 'late', kind: 'late' });
        this.emit('late', event);
      },
      duplicate: () => {
        this.counters.duplicates++;
      },
      ...(this.o.sinks.some((s) => s.archive)
        ? { accepted: (event: AnalyticsEvent) => void unit().accepted.push(event) }
        : {}),
      alert: (alert: Alert) => {
        unit().pending.push({ kind: 'alert', alert });
      },
      warn: (message: string) => {
        process.stderr.write(`rtap: warning: ${message}\n`);
      },
    };
  }

  private advance(u: Unit, now: number): void {
    u.cep?.advanceWatermark(this.unitWatermark(u), now);
  }

  private async tick(): Promise<void> {
    const now = this.o.clock.now();
    for (const u of this.units.values()) {
      u.engine?.tick(now);
      this.advance(u, now);
      await this.deliver(u);
    }
  }

  /** Writes a unit's pending outputs and dead letters; awaiting sinks is the back-pressure path. */
  private async deliver(u: Unit): Promise<void> {
    if (u.deadLetters.length) {
      const dls = u.deadLetters;
      u.deadLetters = [];
      await u.dlq.send(
        this.o.deadLetterTopic,
        dls.map((d) => {
          this.counters.deadLetters++;
          this.counters.deadLetterReasons[d.bucket] = (this.counters.deadLetterReasons[d.bucket] ?? 0) + 1;
          return {
            key: d.record?.key ?? d.event?.user_id ?? null,
            value: d.record?.value ?? Buffer.from(JSON.stringify(d.event ?? { reason: d.reason })),
            headers: {
              'rtap-kind': d.kind,
              'rtap-reason': d.reason,
              'rtap-reason-code': d.bucket,
              ...(d.record
                ? { 'rtap-source': `${d.record.topic}/${d.record.partition}@${d.record.offset}` }
                : {}),
            },
          };
        }),
      );
    }
    if (u.accepted.length) {
      const events = u.accepted;
      u.accepted = [];
      await Promise.all(this.o.sinks.map((s) => s.archive?.(events)));
    }
    if (u.pending.length === 0) return;
    const outputs = u.pending;
    u.pending = [];
    // The topics sink writes into this unit's transaction.
    const router = this.o.scaleOut?.router;
    if (router) router.target = u.checkpointer!.outputs;
    await Promise.all(this.o.sinks.map((s) => s.write(outputs)));
    const delivered = this.o.clock.now();
    const rec = this.o.recorders;
    for (const out of outputs) {
      if (out.kind === 'result') {
        const r = out.result;
        this.counters.results++;
        // End-to-end covers every delivered result (early ones are what live views show); window close
        // only finals, whose wait for the watermark it measures.
        rec.recordFrom('e2e', r.last_intended_send_time, delivered);
        rec.recordViewE2e(r.view, r.last_intended_send_time, delivered);
        if (r.emit === 'final') {
          this.counters.finalResults++;
          // Only windows the watermark closed: per-event records (raw orders) and end-of-input drains
          // did not wait for the watermark, so they say nothing about window close latency.
          if (r.watermark >= r.window_end) rec.recordFrom('window_close', r.window_end, delivered);
        }
        this.emit('result', r);
      } else {
        this.counters.alerts++;
        rec.recordFrom('alert', out.alert.trigger_intended_send_time, delivered);
        this.emit('alert', out.alert);
      }
    }
  }

  /** End of input: fire every open window and pattern timeout, deliver, flush sinks. */
  async drain(): Promise<void> {
    await this.serial(async () => {
      const now = this.o.clock.now();
      for (const u of this.units.values()) {
        u.engine?.drain(now);
        // End of input: pending matches resolve (absence patterns fire, open runs expire).
        u.cep?.flush(now);
        await this.deliver(u);
      }
      await Promise.all(this.o.sinks.map((s) => s.flush()));
    });
  }

  /** Total lag over all partitions the processor has seen. */
  totalLag(): number {
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
    await this.consumer?.stop();
    await this.runPromise?.catch((err: Error) => (this.failure ??= err));
    await this.chain;
    // Clean stop (SIGTERM, q): a final checkpoint, so a successor resumes exactly here.
    if (this.checkpointed && !this.failure)
      await this.serial(() => this.checkpoint()).catch((err: Error) => (this.failure ??= err));
    for (const u of this.units.values()) {
      await u.dlq.flush();
      await u.dlq.close();
    }
    if (this.failure) throw this.failure;
  }
}

import { EventEmitter } from 'node:events';
import { decodeEvent } from '../events/codec.js';
import type { Alert, ViewResult } from '../events/results.js';
import type { AnalyticsEvent } from '../events/types.js';
import { InvalidEventError } from '../events/validate.js';
import type { Engine, EngineSnapshot } from '../engine/index.js';
import type { Cep, CepSnapshot } from '../cep/index.js';
import type { Checkpointer } from '../checkpoint/coordinator.js';
import type { PartitionOffset } from '../checkpoint/store.js';
import type { LatencyRecorders } from '../reporting/histograms.js';
import type { Output, Sink } from '../sinks/types.js';
import type { Clock } from '../time/clock.js';
import type { ConsumedRecord, Consumer, Producer, RecordBatch, Transport } from '../transport/types.js';

export interface ProcessorOptions {
  transport: Transport;
  groupId: string;
  inputTopics: string[];
  deadLetterTopic: string;
  fromBeginning: boolean;
  createEngine(hooks: ProcessorHooks, snapshot?: EngineSnapshot): Engine;
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
}

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
 * commits offsets once outputs are written (at-least-once; exactly-once builds on engine snapshots).
 */
export class Processor extends EventEmitter<ProcessorEvents> {
  readonly counters: ProcessorCounters = {
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
  readonly recovery: RecoveryCounters = { checkpoints: 0, restoredSeq: -1, recoveryMs: 0 };
  /** Current lag per "topic/partition". */
  readonly lag = new Map<string, number>();
  private consumer: Consumer | null = null;
  private dlq: Producer;
  private pending: Output[] = [];
  private deadLetters: { record: ConsumedRecord | null; event: AnalyticsEvent | null; reason: string; bucket: string; kind: string }[] = [];
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
  /** Replaced once when a checkpoint is restored, before the first batch. */
  engine: Engine;
  cep: Cep | null;

  constructor(private readonly o: ProcessorOptions) {
    super();
    this.dlq = o.checkpointer?.outputs ?? o.transport.producer({ clientId: 'rtap-deadletter' });
    this.engine = o.createEngine(this.hooks);
    this.cep = o.createCep?.(this.hooks) ?? null;
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
        this.engine = this.o.createEngine(this.hooks, restored.state.engine);
        this.cep = this.o.createCep?.(this.hooks, restored.state.cep ?? undefined) ?? null;
        for (const p of restored.offsets) this.positions.set(`${p.topic}/${p.partition}`, p);
      }
      this.recovery.recoveryMs = Date.now() - t0;
      this.recovery.restoredSeq = restored?.seq ?? -1;
      this.emit('recovered', { seq: restored?.seq ?? -1, ms: this.recovery.recoveryMs });
      if (this.stopping) return;
      this.checkpointTimer = setInterval(() => {
        this.serial(() => this.checkpoint()).catch((err: Error) => this.fail(err));
      }, ck.intervalMs);
    }
    this.consumer = this.o.transport.consumer({
      groupId: this.o.groupId,
      topics: this.o.inputTopics,
      fromBeginning: this.o.fromBeginning,
      // Every assigned partition holds the watermark back from the start, not from its first event:
      // otherwise catching up one partition at a time would make the others' events look late.
      onAssigned: (partitions) => this.engine.assign(partitions, this.o.clock.now()),
      // With checkpoints the state says where each partition is; the group's offsets follow the checkpoints.
      positions: ck ? (tp) => this.positions.get(`${tp.topic}/${tp.partition}`)?.offset : undefined,
    });
    this.timer = setInterval(() => {
      this.serial(() => this.tick()).catch((err: Error) => this.fail(err));
    }, this.o.tickIntervalMs ?? 100);
    await this.consumer.run((batch) => this.serial(() => this.handleBatch(batch)));
  }

  /** One checkpoint: outputs so far into the sinks, then state + offsets through the checkpointer. */
  private async checkpoint(): Promise<void> {
    const ck = this.o.checkpointer;
    if (!ck) return;
    await this.deliver();
    const state = { engine: this.engine.snapshot(), cep: this.cep?.snapshot() ?? null };
    if (await ck.checkpoint(state, [...this.positions.values()])) this.recovery.checkpoints++;
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
    const { recorders, clock } = this.o;
    const { engine, cep } = this;
    const now = clock.now();
    // Records the state already holds (a fetch begun before a seek took effect) are not processed twice.
    const from = this.o.checkpointer ? this.positions.get(`${batch.topic}/${batch.partition}`)?.offset : undefined;
    const records = from === undefined || batch.records[0].offset >= from ? batch.records : batch.records.filter((r) => r.offset >= from);
    if (records.length === 0) return;
    for (const record of records) {
      this.counters.consumed++;
      let event: AnalyticsEvent;
      try {
        event = decodeEvent(record.value);
      } catch (err) {
        const invalid = err instanceof InvalidEventError;
        const reason = invalid ? err.message : `decode failed: ${(err as Error).message}`;
        this.deadLetters.push({ record, event: null, reason, bucket: invalid ? err.bucket : 'decode_failed', kind: 'malformed' });
        continue;
      }
      this.counters.valid++;
      recorders.recordFrom('ingest', event.intended_send_time, now);
      engine.process(event, { topic: record.topic, partition: record.partition, offset: record.offset }, now);
      cep?.process(event, now);
    }
    const next = records[records.length - 1].offset + 1;
    const lag = Math.max(0, batch.highWatermark - next);
    this.lag.set(`${batch.topic}/${batch.partition}`, lag);
    // Max lag is the backlog when the batch arrived (this batch included): after processing it, a fetch
    // that returned everything up to the high watermark would always read 0.
    const backlog = Math.max(0, batch.highWatermark - records[0].offset);
    if (backlog > this.counters.maxLag) this.counters.maxLag = backlog;
    this.advance(now);
    await this.deliver();
    if (this.o.checkpointer) this.positions.set(`${batch.topic}/${batch.partition}`, { topic: batch.topic, partition: batch.partition, offset: next });
    else await this.consumer!.commit([{ topic: batch.topic, partition: batch.partition, offset: next }]);
    this.emit('batch', { topic: batch.topic, partition: batch.partition, records: records.length, lag });
  }

  /** Engine and CEP hooks: called synchronously while they process or tick. */
  private readonly hooks: ProcessorHooks = {
    emit: (result: ViewResult) => {
      this.pending.push({ kind: 'result', result });
      this.cep?.onViewResult(result, this.o.clock.now());
    },
    late: (event: AnalyticsEvent, reason: string) => {
      this.counters.late++;
      this.deadLetters.push({ record: null, event, reason, bucket: 'late', kind: 'late' });
      this.emit('late', event);
    },
    duplicate: () => {
      this.counters.duplicates++;
    },
    alert: (alert: Alert) => {
      this.pending.push({ kind: 'alert', alert });
    },
    warn: (message: string) => {
      process.stderr.write(`rtap: warning: ${message}\n`);
    },
  };

  private advance(now: number): void {
    this.cep?.advanceWatermark(this.engine.watermark(), now);
  }

  private async tick(): Promise<void> {
    const now = this.o.clock.now();
    this.engine.tick(now);
    this.advance(now);
    await this.deliver();
  }

  /** Writes pending outputs and dead letters; awaiting sinks is the back-pressure path. */
  private async deliver(): Promise<void> {
    if (this.deadLetters.length) {
      const dls = this.deadLetters;
      this.deadLetters = [];
      await this.dlq.send(
        this.o.deadLetterTopic,
        dls.map((d) => {
          this.counters.deadLetters++;
          this.counters.deadLetterReasons[d.bucket] = (this.counters.deadLetterReasons[d.bucket] ?? 0) + 1;
          return {
            key: d.record?.key ?? d.event?.user_id ?? null,
            value: d.record?.value ?? Buffer.from(JSON.stringify(d.event)),
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
    if (this.pending.length === 0) return;
    const outputs = this.pending;
    this.pending = [];
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
      this.engine.drain(now);
      // End of input: pending matches resolve (absence patterns fire, open runs expire).
      this.cep?.flush(now);
      await this.deliver();
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
    if (this.o.checkpointer && !this.failure) await this.serial(() => this.checkpoint()).catch((err: Error) => (this.failure ??= err));
    await this.dlq.flush();
    await this.dlq.close();
    if (this.failure) throw this.failure;
  }
}

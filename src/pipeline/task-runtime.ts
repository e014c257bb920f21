import type { Cep, CepSnapshot } from '../cep/index.js';
import type { Alert, ViewResult } from '../events/results.js';
import { decodeEvent } from '../events/codec.js';
import type { AnalyticsEvent } from '../events/types.js';
import { InvalidEventError } from '../events/validate.js';
import type { Engine, EngineHooks, EngineSnapshot } from '../engine/index.js';
import { EarlyPaneEncoder, encodePane, PaneMerger, type WirePane } from '../engine/merge.js';
import type { Pane } from '../engine/windowed.js';
import type { EngineConfig } from '../engine/config.js';
import type { Unread } from '../engine/watermark.js';
import { unitState, type StoredUnit } from '../checkpoint/chunks.js';
import type { ProcessorState } from '../checkpoint/coordinator.js';
import type { Output } from '../sinks/types.js';
import type { ProcessorCounters } from './counters.js';

/** One input record as the task runtime reads it: from a topic, or a line of a recording (file mode). */
export interface InputRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: Buffer;
  /** Where a person finds it: `file:line` in file mode; `topic/partition@offset` otherwise. */
  source?: string;
  /** Already decoded (file mode parses each line once): `value` is then only the dead-letter text. */
  event?: AnalyticsEvent;
  /** Already found malformed (file mode: a CSV row that does not parse): dead-lettered with this reason. */
  invalid?: Error;
}

export type DeadLetterKind = 'malformed' | 'late' | 'future';

export interface DeadLetter {
  /** The record as consumed; null for events the engine refused after decoding (their JSON is written). */
  record: InputRecord | null;
  event: AnalyticsEvent | null;
  reason: string;
  /** Counter bucket (`late`, `future_timestamp`, `invalid_field:price`, ...). */
  bucket: string;
  kind: DeadLetterKind;
}

/** A record for the merge step: a pane of one task, a task's progress, or events it forwards. */
export type PaneRecord =
  /** A pane on the wire (panes topic, threads), or as it is to a merge step on the same thread. */
  | { view: string; task: number; start: number; pane: WirePane | Pane<unknown> }
  /** An open pane of a live view for early results, with the keys that changed in it. */
  | { early: string; task: number; start: number; pane: WirePane; changed: string[] }
  | { tasks: number[]; horizon: number | null; active: boolean }
  /** Accepted events for the merge step's patterns, with their tie-break order. */
  | { forwarded: [number, AnalyticsEvent][] };

/** What a task produced since it was last asked. */
export interface TaskProducts {
  outputs: Output[];
  deadLetters: DeadLetter[];
  /** Accepted events, when the sinks archive the input (TaskSetup.archive); empty otherwise. */
  accepted: AnalyticsEvent[];
}

/** Everything a task needs to continue where it stopped. */
export type TaskState = Omit<ProcessorState, 'units'>;

/** The hooks engine and CEP call while a task processes: results, alerts and warnings. */
export interface TaskHooks {
  emit(result: ViewResult): void;
  alert(alert: Alert): void;
  warn(message: string): void;
  /** Partial matches CEP dropped at a limit: counted, and warned about once. */
  evicted(pattern: string, runs: number, limit: 'per-key' | 'total'): void;
}

export interface TaskSetup {
  name: string;
  /** null: a merge task (PaneMerger over `mergeTasks`), which takes pane records instead of events. */
  createEngine: ((hooks: EngineHooks, snapshot?: EngineSnapshot) => Engine) | null;
  createCep: ((hooks: TaskHooks, snapshot?: CepSnapshot) => Cep) | null;
  /** Ship tumbling/hopping panes to a merging stage instead of emitting those windows. */
  shipPanes?: boolean;
  /** With shipPanes: also the live views' open panes every early interval, for the merge step's early results. */
  shipEarly?: boolean;
  /** With shipPanes: the merge step runs on this thread, so final panes go as they are, not encoded. */
  mergeHere?: boolean;
  /** Merge task: the engine config and the input partitions whose panes it merges. */
  merge?: { engine: EngineConfig; partitions: number[] };
  /** Scale-out task: the input partitions this one reports progress for. */
  reports?: number[];
  /** Accepted events the merge step's patterns need (task-spec.ts planPatterns): forwarded with the panes. */
  forward?: (e: AnalyticsEvent) => boolean;
  /** Keep the accepted events for sinks that archive the input (Sink.archive), taken with the outputs. */
  archive?: boolean;
  /** Tie-break of equal event times for CEP (default: arrival order). */
  orderOf?: (topic: string, partition: number, offset: number) => number;
  /** Restored state: parsed here, on the unit's own thread, if it is still as stored. */
  state?: TaskState | StoredUnit | null;
  counters: ProcessorCounters;
  /** Ingest latency source: the intended send time of every valid event, at receipt. */
  ingest?(intendedSendTime: number, wallNow: number): void;
  warn(message: string): void;
}

/**
 * The part of the pipeline a task runs, whatever thread it is on: decode and validate (malformed records
 * become dead letters with their reason) → engine (future-dated, late and duplicate events are refused
 * there) → CEP over the accepted events only → outputs. It holds no I/O: the processor takes its outputs,
 * dead letters and panes (take()) and delivers them, and checkpoints its state (snapshot()).
 */
export class TaskRuntime {
  readonly name: string;
  readonly engine: Engine | null = null;
  readonly merger: PaneMerger | null = null;
  readonly cep: Cep | null;
  private outputs: Output[] = [];
  private deadLetters: DeadLetter[] = [];
  private panes: PaneRecord[] = [];
  /** What of each open pane the merge step was sent for early results (only changes follow). */
  private readonly earlyPanes = new EarlyPaneEncoder();
  private forwarded: [number, AnalyticsEvent][] = [];
  private accepted: AnalyticsEvent[] = [];
  /** Progress last reported to the merging stage ("horizon/active"). */
  private reported = '';
  private readonly counters: ProcessorCounters;
  private readonly mergeLatenessMs: number;
  private atEndOfInput = false;
  private warnedEvicted = false;
  /** The record being processed: refused events' dead letters name it (file and line, or offset). */
  private current: InputRecord | null = null;
  /** Wall time of the current call: what rules over view results see as now. */
  private now = 0;

  constructor(private readonly setup: TaskSetup) {
    this.name = setup.name;
    this.counters = setup.counters;
    const hooks: TaskHooks = {
      emit: (result) => {
        this.outputs.push({ kind: 'result', result });
        this.cep?.onViewResult(result, this.now);
      },
      alert: (alert) => {
        if (this.atEndOfInput) {
          alert.at_end_of_input = true;
          this.counters.endOfInputAlerts++;
        }
        this.outputs.push({ kind: 'alert', alert });
      },
      warn: setup.warn,
      evicted: (pattern, runs, limit) => {
        if (!this.warnedEvicted) {
          this.warnedEvicted = true;
          setup.warn(
            limit === 'total'
              ? `CEP (${setup.name}) holds more partial matches than its limit (--max-partial-matches): it evicts the oldest keys' partial matches, first of ${pattern}; alerts that needed them are lost (counted as partial_matches_evicted)`
              : `CEP (${setup.name}): a key of ${pattern} has more partial matches than the per-key limit; the oldest are evicted (counted as partial_matches_evicted)`,
          );
        }
        this.counters.partialMatchesEvicted += runs;
      },
    };
    const state = setup.state ? unitState(setup.name, setup.state) : null;
    this.mergeLatenessMs = setup.merge?.engine.allowedLatenessMs ?? 0;
    if (setup.merge) {
      this.merger = new PaneMerger(setup.merge.engine, setup.merge.partitions, {
        emit: hooks.emit,
        latePane: (view, task, start, events) => {
          this.counters.late += events;
          this.deadLetters.push({
            record: null,
            event: null,
            reason: `late: a pane of ${view} (task ${task}, pane ${start}, ${events} events) reached the merge task after a window covering it was emitted (its partitions had been idle)`,
            bucket: 'late_pane',
            kind: 'late',
          });
        },
      });
      if (state?.merger) this.merger.restore(state.merger);
    } else if (setup.createEngine) {
      const engineHooks: EngineHooks = {
        emit: hooks.emit,
        late: (event, reason) => this.refused(event, reason, 'late', 'late'),
        future: (event, reason) => this.refused(event, reason, 'future_timestamp', 'future'),
        ...(setup.shipPanes
          ? {
              pane: (view, task, start, pane) =>
                this.panes.push({ view, task, start, pane: setup.mergeHere ? pane : encodePane(pane) }),
            }
          : {}),
        ...(setup.shipPanes && setup.shipEarly
          ? {
              earlyPane: (early, task, start, pane, changed) =>
                this.panes.push({ early, task, start, pane: this.earlyPanes.encode(pane, changed), changed }),
            }
          : {}),
      };
      this.engine = setup.createEngine(engineHooks, state?.engine ?? undefined);
    }
    this.cep = setup.createCep?.(hooks, state?.cep ?? undefined) ?? null;
  }

  private refused(event: AnalyticsEvent, reason: string, bucket: string, kind: DeadLetterKind): void {
    this.deadLetters.push({ record: this.current, event, reason, bucket, kind });
  }

  /** Input records of an engine task, in arrival order. */
  process(records: readonly InputRecord[], wallNow: number): void {
    const engine = this.engine!;
    const cep = this.cep;
    const c = this.counters;
    const { ingest, forward, orderOf } = this.setup;
    this.now = wallNow;
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      c.consumed++;
      let event: AnalyticsEvent;
      try {
        if (record.invalid) throw record.invalid;
        event = record.event ?? decodeEvent(record.value);
      } catch (err) {
        c.malformed++;
        const invalid = err instanceof InvalidEventError;
        this.deadLetters.push({
          record,
          event: null,
          reason: invalid ? err.message : `decode failed: ${(err as Error).message}`,
          bucket: invalid ? err.bucket : 'decode_failed',
          kind: 'malformed',
        });
        continue;
      }
      c.valid++;
      ingest?.(event.intended_send_time, wallNow);
      this.current = record;
      const verdict = engine.process(event, record, wallNow);
      if (verdict === 'accepted') {
        if (this.setup.archive) this.accepted.push(event);
        const order = orderOf?.(record.topic, record.partition, record.offset);
        cep?.process(event, wallNow, order);
        if (forward?.(event)) this.forwarded.push([order ?? this.forwarded.length, event]);
      } else if (verdict === 'duplicate') c.duplicates++;
      else if (verdict === 'late') c.late++;
      else c.future++;
    }
    this.current = null;
    this.advance(wallNow);
  }

  /** Merge task input: panes and progress of every task, in the order each task committed them. */
  mergePanes(records: readonly PaneRecord[], wallNow: number): void {
    const merger = this.merger!;
    this.now = wallNow;
    for (const r of records) {
      if ('view' in r) merger.addPane(r.view, r.task, r.start, r.pane);
      else if ('early' in r) merger.earlyPane(r.early, r.task, r.start, r.pane, r.changed);
      else if ('forwarded' in r) for (const [order, e] of r.forwarded) this.cep?.process(e, wallNow, order);
      else for (const task of r.tasks) merger.progress(task, r.horizon ?? -Infinity, r.active, wallNow);
    }
    merger.emitEarly(wallNow);
    this.advance(wallNow);
  }

  /** The horizon (watermark − allowed lateness): events before it are refused as late. */
  horizon(): number {
    return this.engine ? this.engine.horizon() : this.merger!.horizon();
  }

  /** The watermark a pipeline reports: the engine's, or the merged horizon + lateness. */
  watermark(): number {
    return this.engine ? this.engine.watermark() : this.merger!.horizon() + this.mergeLatenessMs;
  }

  /**
   * CEP matches up to the horizon, not the watermark: every event the engine accepts (at or after the
   * horizon) is then matched, in event-time order, none is "late" for CEP alone.
   */
  private advance(wallNow: number): void {
    this.cep?.advanceWatermark(this.horizon(), wallNow);
  }

  /** Wall-time work: idleness, window and session closing, early results. */
  tick(wallNow: number, unread?: Unread): void {
    this.now = wallNow;
    this.engine?.tick(wallNow, unread);
    this.advance(wallNow);
  }

  /** End of input: every open window closes, pending absence timeouts fire (marked at_end_of_input). */
  drain(wallNow: number): void {
    this.now = wallNow;
    // Rules over the drained (partial) windows and timeouts fired early are both artefacts of the end.
    this.atEndOfInput = true;
    try {
      this.engine?.drain(wallNow);
      this.merger?.finish(wallNow);
      this.cep?.flush(wallNow);
    } finally {
      this.atEndOfInput = false;
    }
  }

  /** Scale-out/threads first stage: reports this task's progress when it changed. */
  private reportProgress(): void {
    const reports = this.setup.reports;
    if (!reports || !this.engine) return;
    const horizon = this.engine.horizon();
    // Not stats(): it counts every view's open windows, and per batch that was 7 % of a worker's CPU at 20k/s.
    const active = this.engine.anyActive();
    const now = `${horizon}/${active}`;
    if (now === this.reported) return;
    this.reported = now;
    this.panes.push({ tasks: reports, horizon: Number.isFinite(horizon) ? horizon : null, active });
  }

  /** Results, alerts, dead letters and (archive) accepted events produced since the last call. */
  take(): TaskProducts {
    const taken = { outputs: this.outputs, deadLetters: this.deadLetters, accepted: this.accepted };
    this.outputs = [];
    this.deadLetters = [];
    this.accepted = [];
    return taken;
  }

  /** Panes shipped since the last call, and this task's progress when it changed (sent at checkpoints). */
  takePanes(): PaneRecord[] {
    // Forwarded events before the progress that lets the merge step match past them.
    if (this.forwarded.length) {
      this.panes.push({ forwarded: this.forwarded });
      this.forwarded = [];
    }
    this.reportProgress();
    const panes = this.panes;
    this.panes = [];
    return panes;
  }

  snapshot(): TaskState {
    return {
      engine: this.engine?.snapshot() ?? null,
      cep: this.cep?.snapshot() ?? null,
      merger: this.merger?.snapshot(),
    };
  }
}

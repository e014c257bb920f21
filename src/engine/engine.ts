import type { AnalyticsEvent } from '../events/types.js';
import type { ViewResult } from '../events/results.js';
import { resolveEngineConfig, type EngineConfig } from './config.js';
import { DedupStore } from './dedup.js';
import { EachRuntime } from './each.js';
import type { EmitContext, ViewRuntime } from './runtime.js';
import { decodeNum, encodeNum, type Json } from './serial.js';
import { SessionRuntime } from './sessions.js';
import { WatermarkTracker } from './watermark.js';
import { WindowedRuntime, type Pane } from './windowed.js';
import { buildViews } from './views/index.js';
import type { ViewSpec } from './views/spec.js';

export interface EngineHooks {
  emit(result: ViewResult): void;
  late(event: AnalyticsEvent, reason: string): void;
  duplicate?(event: AnalyticsEvent): void;
  /** An event that passed lateness and dedup (what an archive of the accepted input stores). */
  accepted?(event: AnalyticsEvent): void;
  /**
   * Scale-out first stage: when set, tumbling and hopping views emit nothing themselves; every pane the
   * horizon has passed is handed here (with the input partition it came from) for a merging stage to
   * combine with the other processes' panes (engine/merge.ts). Sessions and per-event views still emit.
   */
  pane?(view: string, partition: number, paneStart: number, pane: Pane<unknown>): void;
}

export interface SourcePosition {
  topic: string;
  partition: number;
  offset: number;
}

export interface EngineStats {
  events: number;
  duplicates: number;
  late: number;
  openWindows: number;
  dedupEntries: number;
  [k: string]: number;
}

export interface EngineSnapshot {
  format: 'rtap-engine-snapshot';
  version: 1;
  views: string[];
  watermarks: ReturnType<WatermarkTracker['snapshot']>;
  nextEarlyAt: number | string;
  counters: Record<string, number>;
  runtimes: Record<string, Json>;
  /** State per input partition (task): dedup ids and every view's windows. */
  tasks: {
    partition: number;
    dedup: ReturnType<DedupStore['snapshot']> | null;
    views: Record<string, Json>;
  }[];
}

export interface Engine {
  process(event: AnalyticsEvent, source: SourcePosition, wallNow: number): void;
  tick(wallNow: number): void;
  drain(wallNow: number): void;
  watermark(): number;
  /** Watermark - allowed lateness: events before it are late, windows ending at or before it are closed. */
  horizon(): number;
  stats(): EngineStats;
  snapshot(): EngineSnapshot;
  /** Registers partitions before their first event, so they hold the watermark back until they send or go idle. */
  assign(partitions: { topic: string; partition: number }[], wallNow: number): void;
  /** Result view names this engine emits (e.g. products.tumbling), in emission order. */
  resultViews(): string[];
}

interface Task {
  partition: number;
  dedup: DedupStore;
  /** One state per runtime, same index. */
  states: unknown[];
}

export function createEngine(config: EngineConfig, hooks: EngineHooks, snapshot?: EngineSnapshot): Engine {
  return new StreamEngine(config, hooks, snapshot);
}

class StreamEngine implements Engine {
  private readonly cfg: ReturnType<typeof resolveEngineConfig>;
  private readonly specs: ViewSpec[];
  private readonly runtimes: ViewRuntime[];
  /** Runtimes that close on watermark progress during process(); sessions are scanned on tick() only. */
  private readonly eager: number[] = [];
  /** Runtimes that emit early results. */
  private readonly live: number[] = [];
  private readonly wm: WatermarkTracker;
  private readonly tasks: Task[] = [];
  /** Task of each input partition number (partitions are small non-negative integers). */
  private readonly taskByPartition: (Task | undefined)[] = [];
  /** Per runtime, its state in every task (same order as `tasks`), for firing. */
  private readonly statesByRuntime: unknown[][];
  private closeAt = -Infinity;
  private nextEarlyAt = -Infinity;
  private readonly ctx: EmitContext;
  private readonly counters = {
    events: 0,
    accepted: 0,
    duplicates: 0,
    late: 0,
    emittedFinal: 0,
    emittedEarly: 0,
  };

  constructor(
    config: EngineConfig,
    private readonly hooks: EngineHooks,
    snapshot?: EngineSnapshot,
  ) {
    this.cfg = resolveEngineConfig(config);
    this.specs = buildViews(this.cfg);
    this.runtimes = this.specs.map((spec) => {
      if (spec.window === 'each') return new EachRuntime(spec, this.cfg.windows.eventflow);
      if (spec.window.kind === 'session') return new SessionRuntime(spec, spec.window.gapMs);
      return new WindowedRuntime(spec, spec.window);
    }) as ViewRuntime[];
    this.runtimes.forEach((r, i) => {
      if (r instanceof WindowedRuntime) this.eager.push(i);
      // Shipped panes have no early results: only the merging stage sees a whole window.
      const shipped = hooks.pane && r instanceof WindowedRuntime;
      if (!shipped && this.cfg.earlyViews.includes(this.specs[i].name.split('.')[0])) this.live.push(i);
    });
    this.statesByRuntime = this.runtimes.map(() => []);
    this.wm = new WatermarkTracker(this.cfg.outOfOrdernessMs, this.cfg.idleTimeoutMs);
    const counters = this.counters;
    this.ctx = {
      wallNow: 0,
      watermark: -Infinity,
      emit: (r) => {
        if (r.emit === 'final') counters.emittedFinal++;
        else counters.emittedEarly++;
        hooks.emit(r);
      },
    };
    if (snapshot) this.restore(snapshot);
  }

  resultViews(): string[] {
    return this.specs.map((s) => s.name);
  }

  private task(partition: number): Task {
    return (
      this.taskByPartition[partition] ??
      this.addTask(
        partition,
        new DedupStore(),
        this.runtimes.map((r) => r.newTask()),
      )
    );
  }

  private addTask(partition: number, dedup: DedupStore, states: unknown[]): Task {
    const t: Task = { partition, dedup, states };
    // Tasks stay sorted by partition: results merge the tasks' partial aggregates in this order, and
    // floating-point sums depend on it, so it must not depend on which partition happened to arrive first.
    let at = this.tasks.length;
    while (at > 0 && this.tasks[at - 1].partition > partition) at--;
    this.tasks.splice(at, 0, t);
    this.taskByPartition[partition] = t;
    states.forEach((s, i) => this.statesByRuntime[i].splice(at, 0, s));
    return t;
  }

  assign(partitions: { topic: string; partition: number }[], wallNow: number): void {
    for (const p of partitions) this.wm.clock(p.topic, p.partition, wallNow);
  }

  process(e: AnalyticsEvent, source: SourcePosition, wallNow: number): void {
    this.counters.events++;
    const clock = this.wm.clock(source.topic, source.partition, wallNow);
    const ts = e.event_time;
    if (ts < this.closeAt) {
      this.counters.late++;
      this.hooks.late(e, this.lateReason(e, source));
      if (this.wm.observe(clock, ts, wallNow)) this.advance(wallNow, false);
      return;
    }
    const task = this.task(source.partition);
    if (this.cfg.dedup && task.dedup.seen(e.event_id, ts)) {
      this.counters.duplicates++;
      this.hooks.duplicate?.(e);
      if (this.wm.observe(clock, ts, wallNow)) this.advance(wallNow, false);
      return;
    }
    this.counters.accepted++;
    this.hooks.accepted?.(e);
    const ctx = this.ctx;
    ctx.wallNow = wallNow;
    ctx.watermark = this.wm.watermark();
    const specs = this.specs;
    const runtimes = this.runtimes;
    const states = task.states;
    // Read once here: every read of these fields in the views would allocate (see ViewSpec.add).
    const ist = e.intended_send_time;
    for (let i = 0; i < specs.length; i++) {
      const key = specs[i].key(e);
      if (key !== null) runtimes[i].add(states[i], e, key, ctx, ts, ist);
    }
    if (this.wm.observe(clock, ts, wallNow)) this.advance(wallNow, false);
  }

  private lateReason(e: AnalyticsEvent, s: SourcePosition): string {
    const w = this.wm.watermark();
    return (
      `late: event time ${e.event_time} is ${this.closeAt - e.event_time} ms before the closing horizon ${this.closeAt} ` +
      `(watermark ${w} - allowed lateness ${this.cfg.allowedLatenessMs} ms) at ${s.topic}[${s.partition}]@${s.offset}`
    );
  }

  /** Closes what the new horizon allows: fixed windows always, sessions and dedup expiry only on ticks. */
  private advance(wallNow: number, all: boolean): void {
    this.closeAt = this.wm.watermark() - this.cfg.allowedLatenessMs;
    const ctx = this.ctx;
    ctx.wallNow = wallNow;
    ctx.watermark = this.wm.watermark();
    const h = this.closeAt;
    if (all) {
      this.runtimes.forEach((_, i) => this.close(i, h, true));
      for (const t of this.tasks) t.dedup.expire(h);
      return;
    }
    for (const i of this.eager) this.close(i, h);
  }

  /** Fires runtime i up to horizon h (`always`: without asking it first), or ships its panes when a merging stage fires them. */
  private close(i: number, h: number, always = false): void {
    const r = this.runtimes[i];
    const ship = this.hooks.pane;
    if (ship && r instanceof WindowedRuntime) {
      const view = this.specs[i].name;
      r.ship(h, this.statesByRuntime[i] as never, this.partitions, (partition, start, pane) =>
        ship(view, partition, start, pane),
      );
    } else if (always || r.nextFireAt() <= h) r.fire(h, this.statesByRuntime[i], this.ctx);
  }

  /** Input partition of every task, in task order. */
  private get partitions(): number[] {
    return this.tasks.map((t) => t.partition);
  }

  tick(wallNow: number): void {
    this.wm.tick(wallNow);
    this.advance(wallNow, true);
    const interval = this.cfg.earlyIntervalMs;
    if (interval !== null && wallNow >= this.nextEarlyAt) {
      this.nextEarlyAt = wallNow + interval;
      for (const i of this.live) this.runtimes[i].early(this.statesByRuntime[i], this.ctx);
    }
  }

  drain(wallNow: number): void {
    const ctx = this.ctx;
    ctx.wallNow = wallNow;
    ctx.watermark = this.wm.watermark();
    this.runtimes.forEach((_, i) => this.close(i, Infinity, true));
  }

  watermark(): number {
    return this.wm.watermark();
  }

  horizon(): number {
    return this.closeAt;
  }

  stats(): EngineStats {
    let openWindows = 0;
    this.runtimes.forEach((r, i) => (openWindows += r.openWindows(this.statesByRuntime[i])));
    let dedupEntries = 0;
    for (const t of this.tasks) dedupEntries += t.dedup.size;
    const parts = this.wm.partitions();
    return {
      ...this.counters,
      openWindows,
      dedupEntries,
      partitions: parts.length,
      activePartitions: parts.filter((p) => p.active).length,
      tasks: this.tasks.length,
      watermark: this.wm.watermark(),
    };
  }

  snapshot(): EngineSnapshot {
    const runtimes: Record<string, Json> = {};
    this.runtimes.forEach((r, i) => (runtimes[this.specs[i].name] = r.saveGlobal()));
    return {
      format: 'rtap-engine-snapshot',
      version: 1,
      views: this.resultViews(),
      watermarks: this.wm.snapshot(),
      nextEarlyAt: encodeNum(this.nextEarlyAt),
      counters: { ...this.counters },
      runtimes,
      tasks: this.tasks.map((t) => {
        const views: Record<string, Json> = {};
        this.runtimes.forEach((r, i) => (views[this.specs[i].name] = r.saveTask(t.states[i])));
        return { partition: t.partition, dedup: this.cfg.dedup ? t.dedup.snapshot() : null, views };
      }),
    };
  }

  private restore(s: EngineSnapshot): void {
    if (s?.format !== 'rtap-engine-snapshot' || s.version !== 1) {
      throw new Error(
        `engine snapshot: not an rtap engine snapshot (format ${JSON.stringify(s?.format)}, version ${JSON.stringify(s?.version)})`,
      );
    }
    const mine = this.resultViews().join(',');
    if (s.views.join(',') !== mine) {
      throw new Error(
        `engine snapshot: taken with views [${s.views.join(', ')}] but this engine runs [${mine}]`,
      );
    }
    this.wm.restore(s.watermarks);
    this.closeAt = this.wm.watermark() - this.cfg.allowedLatenessMs;
    this.nextEarlyAt = decodeNum(s.nextEarlyAt, 'nextEarlyAt');
    Object.assign(this.counters, s.counters);
    for (const t of s.tasks) {
      const states = this.runtimes.map((r, i) => r.loadTask(t.views[this.specs[i].name]));
      this.addTask(t.partition, t.dedup ? DedupStore.restore(t.dedup) : new DedupStore(), states);
    }
    this.runtimes.forEach((r, i) => r.loadGlobal(s.runtimes[this.specs[i].name], this.statesByRuntime[i]));
  }
}

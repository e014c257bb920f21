import type { AnalyticsEvent } from '../events/types.js';
import type { ViewResult } from '../events/results.js';
import { resolveEngineConfig, type EngineConfig } from './config.js';
import { DedupStore } from './dedup.js';
import { EachRuntime } from './each.js';
import type { EmitContext, ViewRuntime } from './runtime.js';
import { decodeNum, encodeNum, type Json } from './serial.js';
import { SessionRuntime } from './sessions.js';
import { WatermarkTracker, type Unread } from './watermark.js';
import { WindowedRuntime, type Pane, type WindowedTask } from './windowed.js';
import { buildViews } from './views/index.js';
import type { ViewSpec } from './views/spec.js';

export interface EngineHooks {
  emit(result: ViewResult): void;
  late(event: AnalyticsEvent, reason: string): void;
  duplicate?(event: AnalyticsEvent): void;
  /** An event dated further ahead than maxFutureSkewMs (dead-lettered as `future_timestamp`, counted). */
  future?(event: AnalyticsEvent, reason: string): void;
  /**
   * Scale-out first stage: when set, tumbling and hopping views emit nothing themselves; every pane the
   * horizon has passed is handed here (with the input partition it came from) for a merging stage to
   * combine with the other partitions' panes (engine/merge.ts). Sessions and per-event views still emit.
   */
  pane?(view: string, partition: number, paneStart: number, pane: Pane<unknown>): void;
  /**
   * With `pane`: every early interval, the open panes of the live views that changed (the first time,
   * all of them) and the keys that changed, for the merging stage's early results. Without it, shipped
   * windows have no early results.
   */
  earlyPane?(
    view: string,
    partition: number,
    paneStart: number,
    pane: Pane<unknown>,
    changed: string[],
  ): void;
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
  version: 2;
  /** Co-partitioned tasks the input partitions were divided into (EngineConfig.tasks). */
  taskCount: number;
  maxAccepted: number | string;
  views: string[];
  watermarks: ReturnType<WatermarkTracker['snapshot']>;
  nextEarlyAt: number | string;
  counters: Record<string, number>;
  runtimes: Record<string, Json>;
  /** State per input partition: dedup ids and the windows of every partition-scoped view. */
  tasks: {
    partition: number;
    dedup: ReturnType<DedupStore['snapshot']> | null;
    views: Record<string, Json>;
  }[];
  /** State per co-partitioned task: the task-scoped views (sessions). */
  groups: { task: number; views: Record<string, Json> }[];
}

/** What the engine did with an event: only accepted events go on to CEP. */
export type Verdict = 'accepted' | 'duplicate' | 'late' | 'future';

export interface Engine {
  process(event: AnalyticsEvent, source: SourcePosition, wallNow: number): Verdict;
  /** Wall-time work; `unread`: partitions with records not read yet (never idle), see WatermarkTracker. */
  tick(wallNow: number, unread?: Unread): void;
  drain(wallNow: number): void;
  watermark(): number;
  /** Watermark - allowed lateness: events before it are late, windows ending at or before it are closed. */
  horizon(): number;
  stats(): EngineStats;
  /** Whether any input partition is active (not idle): stats().activePartitions > 0, without counting state. */
  anyActive(): boolean;
  snapshot(): EngineSnapshot;
  /** Registers partitions before their first event, so they hold the watermark back until they send or go idle. */
  assign(partitions: { topic: string; partition: number }[], wallNow: number): void;
  /** Result view names this engine emits (e.g. products.tumbling), in emission order. */
  resultViews(): string[];
}

/** State of one input partition: its dedup ids and every view's state (task-scoped ones shared, see Group). */
interface Task {
  partition: number;
  dedup: DedupStore;
  /** One state per runtime, same index; a task-scoped runtime's entry is its group's state. */
  states: unknown[];
}

/**
 * State of one co-partitioned task (input partitions p with p mod tasks = task): one user's events on every
 * topic meet here, so views whose windows follow a user's whole activity (sessions) keep their state per
 * group, not per partition. Windowed views stay per partition and merge at emission in partition order,
 * which keeps floating-point sums independent of how partitions interleave.
 */
interface Group {
  task: number;
  /** One state per runtime, same index (null for partition-scoped runtimes). */
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
  /** Shipped live runtimes: their open panes go to the merging stage every early interval. */
  private readonly liveShipped: number[] = [];
  private shippedEarlyOnce = false;
  private readonly wm: WatermarkTracker;
  private readonly tasks: Task[] = [];
  /** Task of each input partition number (partitions are small non-negative integers). */
  private readonly taskByPartition: (Task | undefined)[] = [];
  private readonly groups: Group[] = [];
  private readonly groupByTask: (Group | undefined)[] = [];
  /** Per runtime: kept per group (sessions) rather than per partition. */
  private readonly taskScoped: boolean[];
  /** Newest event time accepted on any partition: the future bound of a partition that has none yet. */
  private maxAccepted = -Infinity;
  /** Per runtime, its state in every task (same order as `tasks`) or group (`groups`), for firing. */
  private readonly statesByRuntime: unknown[][];
  private closeAt = -Infinity;
  private nextEarlyAt = -Infinity;
  private readonly ctx: EmitContext;
  private readonly counters = {
    events: 0,
    accepted: 0,
    duplicates: 0,
    late: 0,
    future: 0,
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
      // Only the merging stage sees a whole shipped window: it makes their early results (earlyPane).
      const shipped = hooks.pane && r instanceof WindowedRuntime;
      if (!this.cfg.earlyViews.includes(this.specs[i].name.split('.')[0])) return;
      if (!shipped) this.live.push(i);
      else if (hooks.earlyPane) this.liveShipped.push(i);
    });
    this.statesByRuntime = this.runtimes.map(() => []);
    this.taskScoped = this.runtimes.map((r) => r instanceof SessionRuntime);
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
        this.runtimes.map((r, i) => (this.taskScoped[i] ? null : r.newTask())),
      )
    );
  }

  private addTask(partition: number, dedup: DedupStore, states: unknown[]): Task {
    const group = this.group(partition % this.cfg.tasks);
    const t: Task = {
      partition,
      dedup,
      states: states.map((s, i) => (this.taskScoped[i] ? group.states[i] : s)),
    };
    // Tasks stay sorted by partition: results merge the tasks' partial aggregates in this order, and
    // floating-point sums depend on it, so it must not depend on which partition happened to arrive first.
    let at = this.tasks.length;
    while (at > 0 && this.tasks[at - 1].partition > partition) at--;
    this.tasks.splice(at, 0, t);
    this.taskByPartition[partition] = t;
    states.forEach((s, i) => {
      if (!this.taskScoped[i]) this.statesByRuntime[i].splice(at, 0, s);
    });
    return t;
  }

  private group(task: number, saved?: unknown[]): Group {
    const existing = this.groupByTask[task];
    if (existing) return existing;
    const g: Group = {
      task,
      states: this.runtimes.map((r, i) => (this.taskScoped[i] ? (saved?.[i] ?? r.newTask()) : null)),
    };
    let at = this.groups.length;
    while (at > 0 && this.groups[at - 1].task > task) at--;
    this.groups.splice(at, 0, g);
    this.groupByTask[task] = g;
    g.states.forEach((s, i) => {
      if (this.taskScoped[i]) this.statesByRuntime[i].splice(at, 0, s);
    });
    return g;
  }

  assign(partitions: { topic: string; partition: number }[], wallNow: number): void {
    if (this.cfg.watermarkScope === 'stream') return;
    for (const p of partitions) this.wm.clock(p.topic, p.partition, wallNow);
  }

  process(e: AnalyticsEvent, source: SourcePosition, wallNow: number): Verdict {
    this.counters.events++;
    const clock =
      this.cfg.watermarkScope === 'stream'
        ? this.wm.clock('', 0, wallNow)
        : this.wm.clock(source.topic, source.partition, wallNow);
    const ts = e.event_time;
    // Before anything reads the time: a far-future event must not move the watermark (every valid event
    // would then be late). Bounded by the partition's newest event (or the stream's, before its first).
    const newest = clock.maxTs === -Infinity ? this.maxAccepted : clock.maxTs;
    if (
      newest !== -Infinity &&
      ts > newest + this.cfg.maxFutureSkewMs + Math.max(0, wallNow - clock.lastWall)
    ) {
      this.counters.future++;
      this.hooks.future?.(e, this.futureReason(e, source, newest));
      return 'future';
    }
    if (ts < this.closeAt) {
      this.counters.late++;
      this.hooks.late(e, this.lateReason(e, source));
      if (this.wm.observe(clock, ts, wallNow)) this.advance(wallNow, false);
      return 'late';
    }
    const task = this.task(source.partition);
    if (this.cfg.dedup && task.dedup.seen(e.event_id, ts)) {
      this.counters.duplicates++;
      this.hooks.duplicate?.(e);
      if (this.wm.observe(clock, ts, wallNow)) this.advance(wallNow, false);
      return 'duplicate';
    }
    this.counters.accepted++;
    if (ts > this.maxAccepted) this.maxAccepted = ts;
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
    return 'accepted';
  }

  private futureReason(e: AnalyticsEvent, s: SourcePosition, newest: number): string {
    return (
      `future_timestamp: event time ${e.event_time} is ${e.event_time - newest} ms ahead of the newest event time ${newest} ` +
      `(more than the maximum future skew of ${this.cfg.maxFutureSkewMs} ms) at ${s.topic}[${s.partition}]@${s.offset}`
    );
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

  tick(wallNow: number, unread?: Unread): void {
    // One stream (file mode) is never idle: its event time moves only with its events.
    if (this.cfg.watermarkScope === 'partition') this.wm.tick(wallNow, unread);
    this.advance(wallNow, true);
    const interval = this.cfg.earlyIntervalMs;
    if (interval !== null && wallNow >= this.nextEarlyAt) {
      this.nextEarlyAt = wallNow + interval;
      for (const i of this.live) this.runtimes[i].early(this.statesByRuntime[i], this.ctx);
      const out = this.hooks.earlyPane;
      for (const i of this.liveShipped) {
        const view = this.specs[i].name;
        (this.runtimes[i] as WindowedRuntime<unknown>).provisional(
          this.statesByRuntime[i] as WindowedTask<unknown>[],
          this.partitions,
          !this.shippedEarlyOnce,
          (partition, start, pane, changed) => out!(view, partition, start, pane, changed),
        );
      }
      this.shippedEarlyOnce = true;
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

  anyActive(): boolean {
    return this.wm.partitions().some((p) => p.active);
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
      version: 2,
      taskCount: this.cfg.tasks,
      maxAccepted: encodeNum(this.maxAccepted),
      views: this.resultViews(),
      watermarks: this.wm.snapshot(),
      nextEarlyAt: encodeNum(this.nextEarlyAt),
      counters: { ...this.counters },
      runtimes,
      tasks: this.tasks.map((t) => {
        const views: Record<string, Json> = {};
        this.runtimes.forEach((r, i) => (views[this.specs[i].name] = r.saveTask(t.states[i])));
        this.runtimes.forEach((r, i) => {
          if (this.taskScoped[i]) delete views[this.specs[i].name];
        });
        return { partition: t.partition, dedup: this.cfg.dedup ? t.dedup.snapshot() : null, views };
      }),
      groups: this.groups.map((g) => {
        const views: Record<string, Json> = {};
        this.runtimes.forEach((r, i) => {
          if (this.taskScoped[i]) views[this.specs[i].name] = r.saveTask(g.states[i]);
        });
        return { task: g.task, views };
      }),
    };
  }

  private restore(s: EngineSnapshot): void {
    if (s?.format !== 'rtap-engine-snapshot' || s.version !== 2) {
      throw new Error(
        `engine snapshot: not an rtap engine snapshot of version 2 (format ${JSON.stringify(s?.format)}, version ${JSON.stringify(s?.version)}); a checkpoint of an older rtap cannot be restored: start a new --group or delete its checkpoints`,
      );
    }
    if (s.taskCount !== this.cfg.tasks) {
      throw new Error(
        `engine snapshot: taken with the input divided into ${s.taskCount} tasks, but these input topics make ${this.cfg.tasks} (their partition counts changed)`,
      );
    }
    this.maxAccepted = decodeNum(s.maxAccepted, 'maxAccepted');
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
    for (const g of s.groups)
      this.group(
        g.task,
        this.runtimes.map((r, i) => (this.taskScoped[i] ? r.loadTask(g.views[this.specs[i].name]) : null)),
      );
    for (const t of s.tasks) {
      const states = this.runtimes.map((r, i) =>
        this.taskScoped[i] ? null : r.loadTask(t.views[this.specs[i].name]),
      );
      this.addTask(t.partition, t.dedup ? DedupStore.restore(t.dedup) : new DedupStore(), states);
    }
    this.runtimes.forEach((r, i) => r.loadGlobal(s.runtimes[this.specs[i].name], this.statesByRuntime[i]));
  }
}

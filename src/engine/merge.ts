import type { ViewResult } from '../events/results.js';
import { resolveEngineConfig, type EngineConfig } from './config.js';
import type { EmitContext, Slot } from './runtime.js';
import { decode, decodeNum, decodeOnto, encode, encodeNum, type Json, type SentSizes } from './serial.js';
import { buildViews } from './views/index.js';
import { WindowedRuntime, type Pane, type WindowedTask } from './windowed.js';

/** A pane on the wire: its slots as [key, encoded accumulator, events, last intended send time]. */
export type WirePane = [string, Json, number, number | string][];

export function encodePane(pane: Pane<unknown>): WirePane {
  return [...pane].map(([key, s]) => [key, encode(s.acc), s.n, encodeNum(s.ist)]);
}

/**
 * A task's open panes for the merge step's early results, every early interval: the slots that changed
 * since the pane was last sent (every slot the first time), their distinct sets as the elements they
 * gained (serial.ts SentSizes). Sending each open pane whole made the main thread decode and union every
 * set of a window again each interval: at 20k events/s a 1-minute window's session set grows to 100,000s,
 * and that cost grew through every minute (the merge step's ingest p99 with it).
 */
export class EarlyPaneEncoder {
  private readonly sent: SentSizes = new WeakMap();
  private readonly sentPanes = new WeakSet<Pane<unknown>>();

  encode(pane: Pane<unknown>, changed: readonly string[]): WirePane {
    const out: WirePane = [];
    const keys = this.sentPanes.has(pane) ? changed : [...pane.keys()];
    this.sentPanes.add(pane);
    for (const key of keys) {
      const s = pane.get(key);
      if (s) out.push([key, encode(s.acc, this.sent), s.n, encodeNum(s.ist)]);
    }
    return out;
  }
}

/** A pane from the wire; onto `earlier` (the same pane's early state): its sets grow in place (decodeOnto). */
function decodePane(wire: WirePane, earlier?: Pane<unknown>): Pane<unknown> {
  const pane: Pane<unknown> = new Map();
  for (const [key, acc, n, ist] of wire)
    pane.set(key, {
      acc: earlier ? decodeOnto(earlier.get(key)?.acc, acc) : decode(acc),
      n,
      ist: decodeNum(ist, 'pane slot ist'),
      dirty: false,
    } as Slot<unknown>);
  return pane;
}

export interface MergerHooks {
  emit(result: ViewResult): void;
  /** A pane that arrived after a window covering it was emitted (its partition had been idle): not merged. */
  latePane(view: string, partition: number, paneStart: number, events: number): void;
}

interface Source {
  /** Horizon of the process that owns the partition (its watermark - allowed lateness). */
  horizon: number;
  /** False once that partition is idle: it no longer holds the merged horizon back. */
  active: boolean;
}

export interface MergerSnapshot {
  format: 'rtap-merger-snapshot';
  version: 1;
  views: string[];
  horizon: number | string;
  sources: [number, number | string, boolean][];
  runtimes: Record<string, { global: Json; tasks: [number, Json][] }>;
}

/**
 * Scale-out, merging stage. Engines of several processes each own some input partitions and ship the
 * panes of their tumbling and hopping views once their horizon has passed them (engine hook `pane`), with
 * their horizon. This combines them as one engine would: a window is emitted when every partition's
 * horizon has passed its end, merging its panes in time order and the partitions in partition order
 * within a pane, the order a single engine merges its tasks in, so the results are the same.
 */
export class PaneMerger {
  private readonly runtimes = new Map<
    string,
    {
      runtime: WindowedRuntime<unknown>;
      tasks: Map<number, WindowedTask<unknown>>;
      ordered: WindowedTask<unknown>[];
    }
  >();
  private readonly sources = new Map<number, Source>();
  /** Per view and partition: the latest open panes a task reported for early results (not checkpointed). */
  private readonly provisional = new Map<string, Map<number, Map<number, Pane<unknown>>>>();
  /** Per view: pane start → keys changed since the last early emission. */
  private readonly changed = new Map<string, Map<number, Set<string>>>();
  private merged = -Infinity;
  private readonly ctx: EmitContext;

  /** `partitions`: every input partition (task) whose horizon a window waits for. */
  constructor(
    config: EngineConfig,
    partitions: number[],
    private readonly hooks: MergerHooks,
  ) {
    for (const spec of buildViews(resolveEngineConfig(config))) {
      if (spec.window === 'each' || spec.window.kind === 'session') continue;
      this.runtimes.set(spec.name, {
        runtime: new WindowedRuntime(spec, spec.window),
        tasks: new Map(),
        ordered: [],
      });
    }
    for (const p of partitions) this.sources.set(p, { horizon: -Infinity, active: true });
    this.ctx = { wallNow: 0, watermark: -Infinity, emit: (r) => hooks.emit(r) };
  }

  /** Views merged here (the windowed ones), in emission order. */
  views(): string[] {
    return [...this.runtimes.keys()];
  }

  horizon(): number {
    return this.merged;
  }

  private runtime(view: string) {
    const r = this.runtimes.get(view);
    if (!r)
      throw new Error(
        `pane merger: no windowed view ${JSON.stringify(view)} (merging [${this.views().join(', ')}])`,
      );
    return r;
  }

  private task(r: ReturnType<PaneMerger['runtime']>, partition: number, saved?: Json): WindowedTask<unknown> {
    let t = r.tasks.get(partition);
    if (!t || saved !== undefined) {
      t = saved === undefined ? r.runtime.newTask() : r.runtime.loadTask(saved);
      r.tasks.set(partition, t);
      // Partition order: the order a single engine merges its tasks in (floating-point sums depend on it).
      r.ordered = [...r.tasks.keys()].sort((a, b) => a - b).map((p) => r.tasks.get(p)!);
    }
    return t;
  }

  addPane(view: string, partition: number, paneStart: number, wire: WirePane | Pane<unknown>): void {
    // A pane from the same thread comes as it is: the task dropped it, so it is this merger's now. One
    // from the wire is decoded onto its provisional copy, which goes now: its sets are the final ones'
    // first elements, so they grow instead of being built again (and their unions with them).
    const provisional = this.provisional.get(view)?.get(partition);
    const pane = Array.isArray(wire) ? decodePane(wire, provisional?.get(paneStart)) : wire;
    provisional?.delete(paneStart);
    const r = this.runtime(view);
    if (!r.runtime.insertPane(this.task(r, partition), paneStart, pane)) {
      let events = 0;
      for (const s of pane.values()) events += s.n;
      this.hooks.latePane(view, partition, paneStart, events);
    }
  }

  /**
   * The horizon of `partition`'s owner (sent after every pane it covers). Windows close at the minimum over
   * the active partitions; with every partition idle, at the furthest one (their owners move idle
   * partitions on with wall time).
   */
  progress(partition: number, horizon: number, active: boolean, wallNow: number): void {
    const s = this.sources.get(partition);
    if (!s)
      throw new Error(`pane merger: progress of partition ${partition}, which is not an input partition`);
    if (horizon > s.horizon) s.horizon = horizon;
    s.active = active;
    let min = Infinity;
    let max = -Infinity;
    for (const src of this.sources.values()) {
      if (src.active && src.horizon < min) min = src.horizon;
      if (src.horizon > max) max = src.horizon;
    }
    const next = min === Infinity ? max : min;
    if (next <= this.merged) return;
    this.merged = next;
    this.ctx.wallNow = wallNow;
    this.ctx.watermark = next;
    for (const r of this.runtimes.values())
      if (r.runtime.nextFireAt() <= next) r.runtime.fire(next, r.ordered, this.ctx);
  }

  /**
   * An open pane of a task for early results, as EarlyPaneEncoder sent it: its slots replace or grow the
   * ones that task reported for the pane before.
   */
  earlyPane(view: string, partition: number, paneStart: number, wire: WirePane, changed: string[]): void {
    const r = this.runtime(view);
    if (paneStart < this.lastEmittedEnd(r)) return;
    let byPartition = this.provisional.get(view);
    if (!byPartition) this.provisional.set(view, (byPartition = new Map()));
    let panes = byPartition.get(partition);
    if (!panes) byPartition.set(partition, (panes = new Map()));
    let pane = panes.get(paneStart);
    if (!pane) panes.set(paneStart, (pane = new Map()));
    for (const [key, slot] of decodePane(wire, pane)) pane.set(key, slot);
    let byPane = this.changed.get(view);
    if (!byPane) this.changed.set(view, (byPane = new Map()));
    let keys = byPane.get(paneStart);
    if (!keys) byPane.set(paneStart, (keys = new Set()));
    for (const k of changed) keys.add(k);
  }

  /** End of the windows already emitted of a view (panes before it can no longer change a result). */
  private lastEmittedEnd(r: ReturnType<PaneMerger['runtime']>): number {
    return r.runtime.emittedUntil();
  }

  /**
   * Early results of the windows the reported panes touch: the final panes held here merged with every
   * partition's provisional ones, in partition order, as one engine's early results would be.
   */
  emitEarly(wallNow: number): void {
    if (this.changed.size === 0) return;
    this.ctx.wallNow = wallNow;
    this.ctx.watermark = this.merged;
    for (const [view, byPane] of this.changed) {
      const r = this.runtime(view);
      const byPartition = this.provisional.get(view) ?? new Map<number, Map<number, Pane<unknown>>>();
      const partitions = [...new Set([...r.tasks.keys(), ...byPartition.keys()])].sort((a, b) => a - b);
      const tasks = partitions.map((p) => {
        const t = r.runtime.newTask();
        for (const [start, pane] of r.tasks.get(p)?.panes ?? []) t.panes.set(start, pane);
        for (const [start, pane] of byPartition.get(p) ?? []) t.panes.set(start, pane);
        return t;
      });
      r.runtime.earlyOver(tasks, byPane, this.ctx);
      // Panes of windows already emitted (final) no longer count.
      const done = this.lastEmittedEnd(r);
      for (const panes of byPartition.values())
        for (const start of panes.keys()) if (start < done) panes.delete(start);
    }
    this.changed.clear();
  }

  /** End of input: every partition's horizon is +∞, so every window still open is emitted. */
  finish(wallNow: number): void {
    for (const p of this.sources.keys()) this.progress(p, Infinity, true, wallNow);
  }

  snapshot(): MergerSnapshot {
    const runtimes: MergerSnapshot['runtimes'] = {};
    for (const [view, r] of this.runtimes) {
      runtimes[view] = {
        global: r.runtime.saveGlobal(),
        tasks: [...r.tasks].map(([p, t]) => [p, r.runtime.saveTask(t)]),
      };
    }
    return {
      format: 'rtap-merger-snapshot',
      version: 1,
      views: this.views(),
      horizon: encodeNum(this.merged),
      sources: [...this.sources].map(([p, s]) => [p, encodeNum(s.horizon), s.active]),
      runtimes,
    };
  }

  restore(s: MergerSnapshot): void {
    if (s?.format !== 'rtap-merger-snapshot' || s.version !== 1)
      throw new Error('pane merger: not a merger snapshot');
    if (s.views.join(',') !== this.views().join(',')) {
      throw new Error(
        `pane merger snapshot: taken with views [${s.views.join(', ')}] but this one merges [${this.views().join(', ')}]`,
      );
    }
    this.merged = decodeNum(s.horizon, 'merger horizon');
    for (const [p, h, active] of s.sources)
      this.sources.set(p, { horizon: decodeNum(h, `partition ${p} horizon`), active });
    for (const [view, saved] of Object.entries(s.runtimes)) {
      const r = this.runtime(view);
      for (const [p, json] of saved.tasks) this.task(r, p, json);
      r.runtime.loadGlobal(saved.global, r.ordered);
    }
  }
}

import type { AnalyticsEvent } from '../events/types.js';
import { addToSlot, makeResult, newSlot, type EmitContext, type Slot, type ViewRuntime } from './runtime.js';
import { decode, decodeNum, encode, encodeNum, type Json } from './serial.js';
import { fixedGeometry, type WindowDef } from './windows.js';
import type { ViewSpec } from './views/spec.js';

/** One pane of one task: the slot of every key. */
export type Pane<A> = Map<string, Slot<A>>;

export interface WindowedTask<A> {
  panes: Map<number, Pane<A>>;
  /** The pane of the previous event: most events fall into the same one. */
  curStart: number;
  cur: Pane<A> | undefined;
  /** The slot of the previous event in `cur`: global views ('' key) and runs of one key skip the Map lookup. */
  curKey: string | undefined;
  curSlot: Slot<A> | undefined;
}

interface Merged<A> {
  /** The slots' accumulators in merge order: panes in time order, tasks in partition order within a pane. */
  parts: A[];
  n: number;
  ist: number;
}

/**
 * Tumbling and hopping windows over panes (slices). Each event is added once, to the pane of its event
 * time; a window's result merges the panes it covers, across tasks. A window closes when the horizon
 * (watermark - allowed lateness) reaches its end; panes are dropped once the last window covering them
 * has closed. Windows without events emit nothing.
 */
export class WindowedRuntime<A> implements ViewRuntime<WindowedTask<A>> {
  private readonly sizeMs: number;
  private readonly stepMs: number;
  private readonly paneMs: number;
  /** Pane start → number of tasks holding that pane. */
  private readonly paneRefs = new Map<number, number>();
  private lastFiredStart = -Infinity;
  private fireAt = Infinity;

  constructor(
    readonly spec: ViewSpec<A>,
    def: WindowDef,
  ) {
    ({ sizeMs: this.sizeMs, stepMs: this.stepMs, paneMs: this.paneMs } = fixedGeometry(def));
  }

  newTask(): WindowedTask<A> {
    return { panes: new Map(), curStart: NaN, cur: undefined, curKey: undefined, curSlot: undefined };
  }

  add(
    t: WindowedTask<A>,
    e: AnalyticsEvent,
    key: string,
    _ctx?: EmitContext,
    ts = e.event_time,
    ist = e.intended_send_time,
  ): void {
    let pane = t.cur;
    if (!(ts >= t.curStart && ts < t.curStart + this.paneMs)) {
      const start = ts - (((ts % this.paneMs) + this.paneMs) % this.paneMs);
      pane = t.panes.get(start);
      if (!pane) {
        pane = new Map();
        t.panes.set(start, pane);
        this.ref(start);
      }
      t.curStart = start;
      t.cur = pane;
      t.curKey = undefined;
    }
    let slot = t.curKey === key ? t.curSlot! : pane!.get(key);
    if (!slot) pane!.set(key, (slot = newSlot(this.spec)));
    t.curKey = key;
    t.curSlot = slot;
    addToSlot(this.spec, slot, e, ts, ist);
  }

  private ref(start: number) {
    const n = this.paneRefs.get(start);
    this.paneRefs.set(start, (n ?? 0) + 1);
    if (n === undefined) {
      const end = this.firstWindowStart(start) + this.sizeMs;
      if (end < this.fireAt) this.fireAt = end;
    }
  }

  /** Start of the earliest not-yet-closed window that covers the pane starting at `pane`. */
  private firstWindowStart(pane: number): number {
    const x = pane - this.sizeMs;
    const aligned = x - (((x % this.stepMs) + this.stepMs) % this.stepMs) + this.stepMs;
    return Math.max(this.lastFiredStart + this.stepMs, aligned);
  }

  private minPane(): number {
    let m = Infinity;
    for (const p of this.paneRefs.keys()) if (p < m) m = p;
    return m;
  }

  private recomputeFireAt() {
    const p = this.minPane();
    this.fireAt = p === Infinity ? Infinity : this.firstWindowStart(p) + this.sizeMs;
  }

  /** End of the last window emitted (final): panes before it are done with. */
  emittedUntil(): number {
    return this.lastFiredStart + this.sizeMs;
  }

  nextFireAt(): number {
    return this.fireAt;
  }

  fire(horizon: number, tasks: readonly WindowedTask<A>[], ctx: EmitContext): void {
    while (this.fireAt <= horizon && this.fireAt !== Infinity) {
      const ws = this.fireAt - this.sizeMs;
      this.emitWindow(ws, tasks, ctx, 'final', null);
      this.lastFiredStart = ws;
      this.dropBefore(ws + this.stepMs, tasks);
      this.recomputeFireAt();
    }
  }

  /**
   * Scale-out, first stage: hands over every pane the horizon has passed (no accepted event can land in it
   * any more) and drops it; `tasks[i]` is the task of `partitions[i]`. The merging stage fires the windows.
   */
  ship(
    horizon: number,
    tasks: readonly WindowedTask<A>[],
    partitions: readonly number[],
    out: (partition: number, paneStart: number, pane: Pane<A>) => void,
  ): void {
    if (this.minPane() + this.paneMs > horizon) return;
    tasks.forEach((t, i) => {
      for (const [start, pane] of t.panes)
        if (start + this.paneMs <= horizon) out(partitions[i], start, pane);
    });
    this.dropBefore(horizon - this.paneMs + 1, tasks);
  }

  /**
   * Scale-out, merging stage: adds a pane shipped by the first stage. False (and nothing added) when a
   * window covering it has already been emitted: the pane came too late to be merged.
   */
  insertPane(t: WindowedTask<A>, start: number, pane: Pane<A>): boolean {
    if (start < this.lastFiredStart + this.sizeMs) return false;
    // Each pane of each partition is shipped once, in the transaction that drops it from the first stage.
    if (t.panes.has(start))
      throw new Error(`${this.spec.name}: pane ${start} of one partition received twice`);
    t.panes.set(start, pane);
    this.ref(start);
    return true;
  }

  private dropBefore(limit: number, tasks: readonly WindowedTask<A>[]) {
    for (const t of tasks) {
      for (const start of t.panes.keys()) {
        if (start >= limit) continue;
        t.panes.delete(start);
        if (start === t.curStart) {
          t.curStart = NaN;
          t.cur = undefined;
          t.curKey = undefined;
          t.curSlot = undefined;
        }
        const n = this.paneRefs.get(start)!;
        if (n <= 1) this.paneRefs.delete(start);
        else this.paneRefs.set(start, n - 1);
      }
    }
  }

  /**
   * Merges the window's panes across tasks (only `keys` when given) and emits one result per key. `every`:
   * look into every task's panes, not only those this runtime holds (the merge step's provisional ones).
   */
  private emitWindow(
    ws: number,
    tasks: readonly WindowedTask<A>[],
    ctx: EmitContext,
    kind: 'final' | 'early',
    keys: Set<string> | null,
    every = false,
  ) {
    const merged = new Map<string, Merged<A>>();
    for (let p = ws; p < ws + this.sizeMs; p += this.paneMs) {
      if (!every && !this.paneRefs.has(p)) continue;
      for (const t of tasks) {
        const pane = t.panes.get(p);
        if (!pane) continue;
        for (const [key, slot] of pane) {
          if (keys && !keys.has(key)) continue;
          const m = merged.get(key);
          if (!m) {
            merged.set(key, { parts: [slot.acc], n: slot.n, ist: slot.ist });
            continue;
          }
          m.parts.push(slot.acc);
          m.n += slot.n;
          if (slot.ist > m.ist) m.ist = slot.ist;
        }
      }
    }
    const sorted = [...merged.keys()].sort();
    for (const key of sorted) {
      const m = merged.get(key)!;
      ctx.emit(
        makeResult(this.spec, ctx, kind, key, ws, ws + this.sizeMs, {
          acc: this.combine(m.parts),
          n: m.n,
          ist: m.ist,
        }),
      );
    }
  }

  /** One accumulator for a result: a single part is read as it is; several are merged into a new one. */
  private combine(parts: A[]): A {
    if (parts.length === 1) return parts[0];
    if (this.spec.combine) return this.spec.combine(parts);
    const acc = this.spec.create();
    for (const p of parts) this.spec.merge(acc, p);
    return acc;
  }

  early(tasks: readonly WindowedTask<A>[], ctx: EmitContext): void {
    if (this.paneRefs.size === 0) return;
    const panes = [...this.paneRefs.keys()].sort((a, b) => a - b);
    const dirtyByPane = new Map<number, Set<string>>();
    for (const t of tasks) {
      for (const [start, pane] of t.panes) {
        for (const [key, slot] of pane) {
          if (!slot.dirty) continue;
          let s = dirtyByPane.get(start);
          if (!s) dirtyByPane.set(start, (s = new Set()));
          s.add(key);
          slot.dirty = false;
        }
      }
    }
    if (dirtyByPane.size === 0) return;
    const last = panes[panes.length - 1];
    for (let ws = this.firstWindowStart(panes[0]); ws <= last; ws += this.stepMs) {
      const keys = new Set<string>();
      for (let p = ws; p < ws + this.sizeMs; p += this.paneMs)
        for (const k of dirtyByPane.get(p) ?? []) keys.add(k);
      if (keys.size) this.emitWindow(ws, tasks, ctx, 'early', keys);
    }
  }

  /**
   * Scale-out/threads first stage, early results: hands over the open panes that changed since the last
   * call (`all`: every open pane), with the keys that changed, and marks them clean. The merge step
   * combines them with the final panes it holds (earlyOver).
   */
  provisional(
    tasks: readonly WindowedTask<A>[],
    partitions: readonly number[],
    all: boolean,
    out: (partition: number, paneStart: number, pane: Pane<A>, changed: string[]) => void,
  ): void {
    tasks.forEach((t, i) => {
      for (const [start, pane] of t.panes) {
        const changed: string[] = [];
        for (const [key, slot] of pane) {
          if (!slot.dirty) continue;
          changed.push(key);
          slot.dirty = false;
        }
        if (changed.length || all) out(partitions[i], start, pane, changed);
      }
    });
  }

  /**
   * The merge step's early results: every window not yet emitted that covers a pane in `changed` (pane start →
   * keys), for those keys, merging `tasks` — the final panes held here plus the tasks' provisional ones.
   */
  earlyOver(tasks: readonly WindowedTask<A>[], changed: Map<number, Set<string>>, ctx: EmitContext): void {
    const byWindow = new Map<number, Set<string>>();
    for (const [p, keys] of changed) {
      for (let ws = this.firstWindowStart(p); ws <= p; ws += this.stepMs) {
        let s = byWindow.get(ws);
        if (!s) byWindow.set(ws, (s = new Set()));
        for (const k of keys) s.add(k);
      }
    }
    for (const ws of [...byWindow.keys()].sort((a, b) => a - b))
      this.emitWindow(ws, tasks, ctx, 'early', byWindow.get(ws)!, true);
  }

  openWindows(): number {
    if (this.paneRefs.size === 0) return 0;
    const panes = [...this.paneRefs.keys()].sort((a, b) => a - b);
    const seen = new Set<number>();
    for (const p of panes) for (let ws = this.firstWindowStart(p); ws <= p; ws += this.stepMs) seen.add(ws);
    return seen.size;
  }

  saveTask(t: WindowedTask<A>): Json {
    return [...t.panes].map(([start, pane]) => [
      start,
      [...pane].map(([key, s]) => [key, encode(s.acc), s.n, encodeNum(s.ist), s.dirty]),
    ]) as Json;
  }

  loadTask(json: Json): WindowedTask<A> {
    const t = this.newTask();
    for (const [start, slots] of json as [number, [string, Json, number, number | string, boolean][]][]) {
      const pane: Pane<A> = new Map();
      for (const [key, acc, n, ist, dirty] of slots) {
        pane.set(key, { acc: decode(acc) as A, n, ist: decodeNum(ist, `${this.spec.name} slot ist`), dirty });
      }
      t.panes.set(start, pane);
    }
    return t;
  }

  saveGlobal(): Json {
    return { lastFiredStart: encodeNum(this.lastFiredStart) };
  }

  loadGlobal(json: Json, tasks: readonly WindowedTask<A>[]): void {
    this.lastFiredStart = decodeNum(
      (json as { lastFiredStart: number | string }).lastFiredStart,
      'lastFiredStart',
    );
    this.paneRefs.clear();
    for (const t of tasks)
      for (const start of t.panes.keys()) this.paneRefs.set(start, (this.paneRefs.get(start) ?? 0) + 1);
    this.recomputeFireAt();
  }
}

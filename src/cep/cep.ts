import type { Alert, MatchedEventRef, ViewResult } from '../events/results.js';
import { eventKind, type AnalyticsEvent } from '../events/types.js';
import type { PatternDefinition, SequencePattern, ThresholdRule } from './ast.js';
import { fieldOf } from './expr.js';
import { Heap } from './heap.js';
import { eventProjection } from './project.js';
import { packRuns, unpackRuns } from './packed-runs.js';
import { ReorderBuffer } from './reorder.js';
import {
  compareRuns,
  compilePattern,
  filterHolds,
  interestOf,
  isPending,
  step,
  type CompiledPattern,
  type Run,
} from './nfa.js';
import { RuleRunner, type RuleState } from './rules.js';
import { DEFAULT_MAX_PARTIAL_MATCHES } from './limits.js';

export interface CepHooks {
  alert(alert: Alert): void;
  /** An event older than the watermark: counted in stats().late and not matched. */
  late?(event: AnalyticsEvent): void;
  /** Non-fatal problems, e.g. a rule reading a field its view does not have (once per rule and field). */
  warn?(message: string): void;
  /**
   * Partial matches of `pattern` dropped by a limit (maxRunsPerKey, maxPartialMatches; also counted in
   * stats().evicted): a match that needed them is lost, so the pipeline reports them.
   */
  evicted?(pattern: string, runs: number, limit: 'per-key' | 'total'): void;
}

export interface CepOptions {
  /** Partial matches kept per pattern and key; beyond it the oldest are evicted (counted). Default 64. */
  maxRunsPerKey?: number;
  /** Partial matches kept in total; beyond it the oldest keys are evicted (counted). Default 1,000,000. */
  maxPartialMatches?: number;
  /**
   * When set, process() advances the watermark itself to (max event time seen − this many ms), for use
   * without the engine (tests, benches, replaying a file). Otherwise only advanceWatermark() moves it.
   */
  autoWatermarkMs?: number;
  /**
   * A key's partial matches are packed into one string (packed-runs.ts) once this many touches of other
   * keys went by without one of it. Default 131,072; tests set 1 to pack at every chance.
   */
  packAfterTouches?: number;
}

export interface Cep {
  /**
   * Events in arrival order (any event-time order); they are matched once the watermark passes them, in
   * (event_time, order) order: `order` is the tie-break for equal times (default: arrival order).
   */
  process(event: AnalyticsEvent, wallNow: number, order?: number): void;
  /** The pipeline watermark: events up to it are released in event-time order, due timeouts fire. */
  advanceWatermark(watermark: number, wallNow: number): void;
  /** For threshold/anomaly rules. */
  onViewResult(result: ViewResult, wallNow: number): void;
  /** End of input: releases everything buffered and fires every pending timeout (watermark +∞). */
  flush(wallNow: number): void;
  stats(): { partialMatches: number; evicted: number; alerts: number; late: number; [k: string]: number };
  snapshot(): CepSnapshot;
}

interface SnapshotRun {
  el: number;
  count: number;
  seqs: number[];
  elems: number[];
  startTime: number;
  deadline: number;
  dirty: boolean;
  violated: boolean;
}

/** JSON-serialisable state: restoring it into createCep with the same patterns continues exactly. */
export interface CepSnapshot {
  /** 2: keys may be packed (version 1 has runs only). */
  version: 1 | 2;
  patterns: string[];
  /** null before the first watermark. */
  watermark: number | null;
  maxEventTime: number | null;
  arrivals: number;
  seq: number;
  maxIntended: number;
  counters: Record<string, number>;
  buffer: { arrival: number; event: AnalyticsEvent }[];
  /** Events bound by the partial matches of keys that are not packed, by processing sequence number. */
  events: Record<string, AnalyticsEvent>;
  /**
   * Per key its runs, or the key packed with its events (packed-runs.ts), how many runs that is and their
   * earliest deadline (its timer).
   */
  keys: {
    pattern: string;
    key: string;
    runs?: SnapshotRun[];
    packed?: string;
    count?: number;
    deadline?: number;
  }[];
  rules: RuleState[];
}

interface KeyState {
  /** The runs, or null while packed. */
  runs: Run[] | null;
  /** The runs as one string while no event touches the key (packed-runs.ts), else null. */
  packed: string | null;
  /** How many runs, live or packed; 0 once the key is gone. */
  count: number;
  /** When the key was last touched (CepImpl.touches); packed once a ring's length later it is still this. */
  touched: number;
  /** Deadline of this key's live timer entry (Infinity: none). */
  timerAt: number;
}

/**
 * Keys are packed once this many other key touches went by without touching them again: hot keys (a
 * pattern keyed by something with few values) stay objects, and a packed key costs one parse and one
 * stringify when an event or a timeout reaches it.
 */
const PACK_AFTER_TOUCHES = 131_072;

interface Timer {
  at: number;
  pattern: number;
  key: string;
  order: number;
}

const byDeadline = (a: Run, b: Run) => a.deadline - b.deadline || compareRuns(a, b);
const byStart = (a: Run, b: Run) => a.seqs[0] - b.seqs[0];

const toJson = (n: number): number | null =>
  n === -Infinity ? null : n === Infinity ? Number.MAX_SAFE_INTEGER : n;

class CepImpl implements Cep {
  private readonly patterns: CompiledPattern[];
  private readonly rules: RuleRunner[];
  private readonly keys: Map<string, KeyState>[];
  /** Per pattern: the partition key of an event (null: the event has no such field and is skipped). */
  private readonly partitionKeys: ((e: AnalyticsEvent) => unknown)[];
  /** Per pattern: the events that can affect its partial matches (nfa.ts interestOf; null: every event). */
  private readonly interests: ReturnType<typeof interestOf>[];
  /** Event kind → the patterns it can affect; events no pattern cares about are never buffered. */
  private readonly routes = new Map<string, number[]>();
  private readonly buffer = new ReorderBuffer();
  /** What of an event is buffered and bound: the fields the patterns read (project.ts). */
  private readonly project: (e: AnalyticsEvent) => AnalyticsEvent;
  private readonly timers = new Heap<Timer>((a, b) => a.at < b.at || (a.at === b.at && a.order < b.order));
  private readonly maxRunsPerKey: number;
  private readonly maxPartialMatches: number;
  private watermark = -Infinity;
  private maxEventTime = -Infinity;
  private arrivals = 0;
  private seq = 0;
  private timerOrder = 0;
  private maxIntended = 0;
  private total = 0;
  private evictCursor = 0;
  /**
   * Per pattern, an iterator over its keys in insertion order, kept across evictions: a fresh
   * `entries().next()` would step over every entry deleted since the map last rehashed (quadratic once the
   * limit is reached). Map iterators are live, so keys added later are still reached.
   */
  private readonly evictOrder: (MapIterator<[string, KeyState]> | null)[] = [];
  private wallNow = 0;
  /** Inside flush(): alerts raised now exist only because the input ended. */
  private flushing = false;
  private c = { events: 0, late: 0, evicted: 0, alerts: 0, timedOut: 0, viewResults: 0 };
  private readonly perPattern = new Map<string, number>();
  /** The last packAfterTouches key touches, a ring: the key, and its `touched` stamp then. */
  private readonly touchRing: (KeyState | null)[];
  private readonly touchStamps: Float64Array;
  private touches = 0;

  constructor(
    defs: PatternDefinition[],
    private readonly hooks: CepHooks,
    private readonly options: CepOptions,
  ) {
    this.patterns = defs.filter((d): d is SequencePattern => d.kind === 'sequence').map(compilePattern);
    const warn = hooks.warn ?? (() => {});
    this.rules = defs
      .filter((d): d is ThresholdRule => d.kind === 'rule')
      .map((r) => new RuleRunner(r, warn));
    this.keys = this.patterns.map(() => new Map());
    this.partitionKeys = this.patterns.map((p) => {
      const path = ['', p.def.partitionBy];
      return (e: AnalyticsEvent) => fieldOf(e, path);
    });
    this.interests = this.patterns.map(interestOf);
    this.project = eventProjection(this.patterns.map((p) => p.def));
    this.maxRunsPerKey = options.maxRunsPerKey ?? 64;
    this.maxPartialMatches = options.maxPartialMatches ?? DEFAULT_MAX_PARTIAL_MATCHES;
    const ring = Math.max(1, options.packAfterTouches ?? PACK_AFTER_TOUCHES);
    this.touchRing = new Array<KeyState | null>(ring).fill(null);
    this.touchStamps = new Float64Array(ring);
    for (const d of defs) this.perPattern.set(d.name, 0);
  }

  process(event: AnalyticsEvent, wallNow: number, order?: number): void {
    this.wallNow = wallNow;
    this.c.events++;
    if (event.intended_send_time > this.maxIntended) this.maxIntended = event.intended_send_time;
    if (event.event_time < this.watermark) {
      this.c.late++;
      this.hooks.late?.(event);
      return;
    }
    const kind = eventKind(event);
    const route = this.routeOf(kind);
    for (let ri = 0; ri < route.length; ri++) {
      if (this.keyIfInterested(route[ri], event, kind) === null) continue;
      this.buffer.push({ arrival: order ?? this.arrivals++, event: this.project(event) });
      break;
    }
    if (event.event_time > this.maxEventTime) this.maxEventTime = event.event_time;
    const auto = this.options.autoWatermarkMs;
    if (auto !== undefined && this.maxEventTime - auto > this.watermark)
      this.advanceWatermark(this.maxEventTime - auto, wallNow);
    else if (event.event_time <= this.watermark) this.drain();
  }

  advanceWatermark(watermark: number, wallNow: number): void {
    this.wallNow = wallNow;
    if (watermark > this.watermark) this.watermark = watermark;
    this.drain();
  }

  flush(wallNow: number): void {
    this.flushing = true;
    try {
      this.advanceWatermark(Infinity, wallNow);
    } finally {
      this.flushing = false;
    }
  }

  onViewResult(result: ViewResult, wallNow: number): void {
    this.c.viewResults++;
    for (const r of this.rules) {
      const a = r.onResult(result, wallNow);
      if (a) this.emit(a);
    }
  }

  private drain() {
    for (
      let top = this.buffer.peek();
      top && top.event.event_time <= this.watermark;
      top = this.buffer.peek()
    ) {
      this.buffer.shift();
      // Timeouts at t come before events at t: an event at the deadline is outside the window.
      this.fireTimers(top.event.event_time);
      this.dispatch(top.event, ++this.seq);
    }
    this.fireTimers(this.watermark);
  }

  private routeOf(kind: string): number[] {
    let route = this.routes.get(kind);
    if (!route) {
      route = [];
      for (let pi = 0; pi < this.patterns.length; pi++) {
        const it = this.interests[pi];
        if (it === null || it.kinds === null || it.kinds.has(kind)) route.push(pi);
      }
      this.routes.set(kind, route);
    }
    return route;
  }

  /** The event's partition key for pattern pi, or null when it has none or cannot affect the pattern. */
  private keyIfInterested(pi: number, e: AnalyticsEvent, kind: string): string | null {
    const k = this.partitionKeys[pi](e);
    if (k === null) return null;
    const key = typeof k === 'string' ? k : String(k);
    const test = this.interests[pi]?.test;
    return test && !test(e, kind, key) ? null : key;
  }

  private dispatch(e: AnalyticsEvent, seq: number) {
    const kind = eventKind(e);
    const route = this.routeOf(kind);
    for (let ri = 0; ri < route.length; ri++) {
      const pi = route[ri];
      const p = this.patterns[pi];
      const key = this.keyIfInterested(pi, e, kind);
      if (key === null) continue;
      const st = this.keys[pi].get(key);
      // Fast path: no partial match for the key and the event cannot start one.
      if (!st) {
        const first = p.elements[0].kinds;
        if (first !== null && !first.has(kind)) continue;
      }
      this.processKey(pi, key, st, e, kind, seq);
    }
    if (this.total > this.maxPartialMatches) this.evictGlobal();
  }

  private processKey(
    pi: number,
    key: string,
    st: KeyState | undefined,
    e: AnalyticsEvent,
    kind: string,
    seq: number,
  ) {
    const p = this.patterns[pi];
    if (st) this.expireKey(pi, key, st, e.event_time);
    const before = st ? st.count : 0;
    const res = step(p, st ? this.live(pi, st) : [], e, kind, seq, key);
    let alive = res.runs;
    if (res.completed.length) {
      let best = res.completed[0];
      for (const r of res.completed) if (compareRuns(r, best) < 0) best = r;
      this.emitMatch(p, key, best, e.intended_send_time);
      // SKIP PAST LAST EVENT: every remaining run started at or before this event.
      alive = [];
    }
    if (alive.length > this.maxRunsPerKey) {
      alive.sort(byStart);
      this.c.evicted += alive.length - this.maxRunsPerKey;
      this.hooks.evicted?.(p.def.name, alive.length - this.maxRunsPerKey, 'per-key');
      alive = alive.slice(alive.length - this.maxRunsPerKey);
    }
    this.total += alive.length - before;
    if (!st) {
      if (!alive.length) return;
      st = { runs: alive, packed: null, count: 0, touched: 0, timerAt: Infinity };
      this.keys[pi].set(key, st);
      this.touch(st);
    }
    st.runs = alive;
    st.count = alive.length;
    this.schedule(pi, key, st);
  }

  /** The key's runs as objects: unpacked if it was packed, and stamped as touched now. */
  private live(pi: number, st: KeyState): Run[] {
    if (st.runs === null) {
      st.runs = unpackRuns(st.packed!, this.patterns[pi].elements.length);
      st.packed = null;
    }
    if (st.touched !== this.touches) this.touch(st);
    return st.runs;
  }

  /** Marks a key touched; packs the key touched a ring's length of touches ago if none touched it since. */
  private touch(st: KeyState): void {
    const i = this.touches % this.touchRing.length;
    const old = this.touchRing[i];
    if (old && old !== st && old.touched === this.touchStamps[i] && old.runs !== null && old.count > 0) {
      old.packed = packRuns(old.runs);
      old.runs = null;
    }
    st.touched = ++this.touches;
    this.touchRing[i] = st;
    this.touchStamps[i] = st.touched;
  }

  /** Ends the runs of a key whose deadline is ≤ t: trailing-NOT runs complete, the others time out. */
  private expireKey(pi: number, key: string, st: KeyState, t: number) {
    const p = this.patterns[pi];
    if (st.timerAt > t) return; // timerAt is the earliest deadline of the key's runs
    const all = this.live(pi, st);
    const due: Run[] = [];
    let runs: Run[] = [];
    for (let i = 0; i < all.length; i++) (all[i].deadline <= t ? due : runs).push(all[i]);
    due.sort(byDeadline);
    const before = all.length;
    let cut = -Infinity;
    for (const r of due) {
      if (r.seqs[0] <= cut) continue;
      if (isPending(p, r) && !r.violated && filterHolds(p, r, key)) {
        this.emitMatch(p, key, r, this.maxIntended);
        cut = r.seqs[r.seqs.length - 1];
      } else {
        this.c.timedOut++;
      }
    }
    if (cut > -Infinity) {
      const kept: Run[] = [];
      for (let i = 0; i < runs.length; i++) if (runs[i].seqs[0] > cut) kept.push(runs[i]);
      runs = kept;
    }
    st.runs = runs;
    st.count = runs.length;
    st.timerAt = Infinity;
    this.total += runs.length - before;
  }

  /** After processKey or expireKey (the runs are live): the key's timer, or the key removed without runs. */
  private schedule(pi: number, key: string, st: KeyState) {
    const runs = st.runs!;
    if (!runs.length) {
      this.keys[pi].delete(key);
      st.timerAt = Infinity;
      return;
    }
    let min = Infinity;
    for (let i = 0; i < runs.length; i++) if (runs[i].deadline < min) min = runs[i].deadline;
    if (min !== st.timerAt) {
      st.timerAt = min;
      this.timers.push({ at: min, pattern: pi, key, order: this.timerOrder++ });
    }
  }

  private fireTimers(t: number) {
    for (let top = this.timers.peek(); top && top.at <= t; top = this.timers.peek()) {
      this.timers.pop();
      const st = this.keys[top.pattern].get(top.key);
      if (!st || st.timerAt !== top.at) continue; // superseded entry
      this.expireKey(top.pattern, top.key, st, t);
      this.schedule(top.pattern, top.key, st);
    }
  }

  private evictGlobal() {
    while (this.total > this.maxPartialMatches) {
      const pi = this.evictCursor++ % this.keys.length;
      const map = this.keys[pi];
      let next = this.evictOrder[pi]?.next();
      if (!next || next.done) {
        this.evictOrder[pi] = map.entries();
        next = this.evictOrder[pi]!.next();
        if (next.done) continue;
      }
      const [key, st] = next.value;
      const n = st.count;
      this.c.evicted += n;
      this.total -= n;
      map.delete(key);
      st.count = 0;
      st.runs = null;
      st.packed = null;
      this.hooks.evicted?.(this.patterns[pi].def.name, n, 'total');
    }
  }

  private emitMatch(p: CompiledPattern, key: string, r: Run, trigger: number) {
    const pos = p.elements.map(() => 0);
    const events: MatchedEventRef[] = r.elems.map((el) => {
      const ev = r.bound[el][pos[el]++];
      return {
        variable: p.elements[el].variable,
        event_id: ev.event_id,
        kind: eventKind(ev),
        event_time: ev.event_time,
      };
    });
    const first = events[0];
    const last = events[events.length - 1];
    this.emit({
      alert_id: `${p.def.name}:${key}:${first.event_id}:${last.event_id}`,
      pattern: p.def.name,
      severity: p.def.severity,
      key,
      message: p.message({ bound: r.bound, cur: null, key }),
      events,
      first_event_time: first.event_time,
      last_event_time: last.event_time,
      detected_at: this.wallNow,
      trigger_intended_send_time: trigger,
    });
  }

  private emit(a: Alert) {
    if (this.flushing) a.at_end_of_input = true;
    this.c.alerts++;
    this.perPattern.set(a.pattern, (this.perPattern.get(a.pattern) ?? 0) + 1);
    this.hooks.alert(a);
  }

  stats() {
    const out: {
      partialMatches: number;
      evicted: number;
      alerts: number;
      late: number;
      [k: string]: number;
    } = {
      partialMatches: this.total,
      evicted: this.c.evicted,
      alerts: this.c.alerts,
      late: this.c.late,
      events: this.c.events,
      timedOut: this.c.timedOut,
      viewResults: this.c.viewResults,
      buffered: this.buffer.size,
      keys: this.keys.reduce((s, m) => s + m.size, 0),
      ruleMissingFields: this.rules.reduce((s, r) => s + r.missing, 0),
    };
    for (const [name, n] of this.perPattern) out[`alerts:${name}`] = n;
    return out;
  }

  snapshot(): CepSnapshot {
    const events: Record<string, AnalyticsEvent> = {};
    const keys: CepSnapshot['keys'] = [];
    this.keys.forEach((map, pi) => {
      for (const [key, st] of map) {
        if (st.runs === null) {
          // timerAt is the earliest deadline of its runs (schedule() ran before it was packed).
          keys.push({
            pattern: this.patterns[pi].def.name,
            key,
            packed: st.packed!,
            count: st.count,
            deadline: st.timerAt,
          });
          continue;
        }
        keys.push({
          pattern: this.patterns[pi].def.name,
          key,
          runs: st.runs.map((r) => {
            const pos = r.bound.map(() => 0);
            r.elems.forEach((el, i) => (events[r.seqs[i]] = r.bound[el][pos[el]++]));
            return {
              el: r.el,
              count: r.count,
              seqs: [...r.seqs],
              elems: [...r.elems],
              startTime: r.startTime,
              deadline: r.deadline,
              dirty: r.dirty,
              violated: r.violated,
            };
          }),
        });
      }
    });
    // No deep copy: the checkpoint store serialises it at once, restore() copies the runs and buffer
    // entries it takes and shares the events, which are never mutated. (A structuredClone of this cost
    // seconds with large state.)
    return {
      version: 2,
      patterns: [...this.patterns.map((p) => p.def.name), ...this.rules.map((r) => r.rule.name)],
      watermark: toJson(this.watermark),
      maxEventTime: toJson(this.maxEventTime),
      arrivals: this.arrivals,
      seq: this.seq,
      maxIntended: this.maxIntended,
      counters: {
        ...this.c,
        ...Object.fromEntries([...this.perPattern].map(([k, v]) => [`alerts:${k}`, v])),
      },
      buffer: this.buffer.toArray(),
      events,
      keys,
      rules: this.rules.flatMap((r) => r.snapshot()),
    };
  }

  restore(s: CepSnapshot) {
    if (s.version !== 1 && s.version !== 2)
      throw new Error(`CEP snapshot version ${String(s.version)} is not supported (expected 1 or 2)`);
    const names = [...this.patterns.map((p) => p.def.name), ...this.rules.map((r) => r.rule.name)];
    if (names.join('\n') !== s.patterns.join('\n')) {
      throw new Error(
        `CEP snapshot was taken with patterns [${s.patterns.join(', ')}], not [${names.join(', ')}]`,
      );
    }
    this.watermark = s.watermark ?? -Infinity;
    this.maxEventTime = s.maxEventTime ?? -Infinity;
    this.arrivals = s.arrivals;
    this.seq = s.seq;
    this.maxIntended = s.maxIntended;
    for (const [k, v] of Object.entries(s.counters)) {
      if (k.startsWith('alerts:')) this.perPattern.set(k.slice(7), v);
      else if (k in this.c) this.c[k as keyof typeof this.c] = v;
    }
    // Events are shared, not cloned: neither side ever mutates one (project() made them; see snapshot).
    for (const b of s.buffer) this.buffer.push({ arrival: b.arrival, event: b.event });
    const byName = new Map(this.patterns.map((p, i) => [p.def.name, i]));
    const events = new Map<number, AnalyticsEvent>();
    for (const k in s.events) events.set(Number(k), s.events[k]);
    // Plain loops and the literal extend() builds: tens of thousands of runs at 10k events/s, where
    // closures and object spread made this a third of a restore.
    for (const k of s.keys) {
      const pi = byName.get(k.pattern)!;
      if (k.packed !== undefined) {
        // Stays packed: its timer needs only the earliest deadline, saved beside it.
        const st: KeyState = {
          runs: null,
          packed: k.packed,
          count: k.count!,
          touched: 0,
          timerAt: k.deadline!,
        };
        this.keys[pi].set(k.key, st);
        this.total += st.count;
        this.timers.push({ at: st.timerAt, pattern: pi, key: k.key, order: this.timerOrder++ });
        continue;
      }
      const n = this.patterns[pi].elements.length;
      const saved = k.runs ?? [];
      const runs: Run[] = new Array<Run>(saved.length);
      for (let j = 0; j < saved.length; j++) {
        const r = saved[j];
        const bound: AnalyticsEvent[][] = new Array<AnalyticsEvent[]>(n);
        for (let el = 0; el < n; el++) bound[el] = [];
        const seqs = r.seqs.slice();
        const elems = r.elems.slice();
        for (let i = 0; i < elems.length; i++) bound[elems[i]].push(events.get(seqs[i])!);
        runs[j] = {
          el: r.el,
          count: r.count,
          bound,
          seqs,
          elems,
          startTime: r.startTime,
          deadline: r.deadline,
          dirty: r.dirty,
          violated: r.violated,
        };
      }
      const st: KeyState = { runs, packed: null, count: runs.length, touched: 0, timerAt: Infinity };
      this.keys[pi].set(k.key, st);
      this.total += runs.length;
      this.schedule(pi, k.key, st);
    }
    for (const r of this.rules) r.restore(s.rules.filter((x) => x.rule === r.rule.name));
  }
}

/**
 * Whether an event can affect any of these sequence patterns (its kind, partition key and the element
 * conditions on the event alone): the task model forwards such events to where the patterns run.
 */
export function interestFilter(defs: PatternDefinition[]): (e: AnalyticsEvent) => boolean {
  const tests = defs
    .filter((d): d is SequencePattern => d.kind === 'sequence')
    .map((d) => {
      const p = compilePattern(d);
      const it = interestOf(p);
      const path = ['', d.partitionBy];
      return (e: AnalyticsEvent, kind: string) => {
        if (it === null) return true;
        if (it.kinds !== null && !it.kinds.has(kind)) return false;
        const k = fieldOf(e, path);
        if (k === null) return false;
        return it.test === null || it.test(e, kind, typeof k === 'string' ? k : String(k));
      };
    });
  return (e) => {
    const kind = eventKind(e);
    for (const t of tests) if (t(e, kind)) return true;
    return false;
  };
}

export function createCep(
  patterns: PatternDefinition[],
  hooks: CepHooks,
  options: CepOptions = {},
  snapshot?: CepSnapshot,
): Cep {
  const cep = new CepImpl(patterns, hooks, options);
  if (snapshot) cep.restore(snapshot);
  return cep;
}

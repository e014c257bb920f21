import type { AnalyticsEvent } from '../events/types.js';
import type { SequencePattern } from './ast.js';
import { references } from './check.js';
import { compilePatternExpr, compileTemplate, type Fn, type MatchEnv } from './expr.js';

/**
 * The compiled NFA of one sequence pattern and the step function for the partial matches ("runs") of one
 * key. Semantics (docs/patterns.md, "Matching"):
 *  - skip-till-next-match: a run must take an event that one of its transitions accepts (it branches when
 *    several do: stay in a loop, or move on); an event no transition accepts is skipped, unless the
 *    contiguity into every remaining transition is strict, which kills the run;
 *  - a run's events all have event_time < first event_time + WITHIN;
 *  - NOT after an element: no accepted NOT event from the moment that element reached its minimum count
 *    (its further iterations included) until the next element binds, or, at the end, until the WITHIN
 *    deadline, when the run completes (emitted when the watermark passes the deadline);
 *  - aggregate conjuncts (the filter) are checked when a run reaches an accepting state;
 *  - after-match skip strategy SKIP PAST LAST EVENT: when a match is emitted, every run of the key that
 *    started at or before its last event is discarded, so matches of one key never share events.
 */

export interface CompiledElement {
  variable: string;
  kinds: ReadonlySet<string> | null;
  min: number;
  max: number;
  negated: boolean;
  strict: boolean;
  cond: Fn<MatchEnv> | null;
}

export type Acceptance = 'no' | 'now' | 'pending';

export interface CompiledPattern {
  def: SequencePattern;
  elements: CompiledElement[];
  /** Per element: positive elements a run in it may move to (past optional ones and a NOT block). */
  targets: number[][];
  /** Per element: the NOT elements directly after it (the absence checked once it reached its minimum). */
  nots: number[][];
  /** Per element: what reaching its minimum means for the match. */
  accept: Acceptance[];
  filter: Fn<MatchEnv> | null;
  message: (env: MatchEnv) => string;
  /** Bindings of a run that has taken nothing yet (first-element conditions read it). */
  empty: AnalyticsEvent[][];
  /**
   * Per element: the conjuncts of its condition that read only the event itself (no other variable, no
   * aggregate), or null. An event they reject can never be taken by that element, whatever the run.
   */
  local: (Fn<MatchEnv> | null)[];
}

export interface Run {
  el: number;
  count: number;
  /** Events bound per element. */
  bound: AnalyticsEvent[][];
  /** Processing sequence numbers and elements of the bound events, in binding order. */
  seqs: number[];
  elems: number[];
  startTime: number;
  deadline: number;
  /** An event was skipped since the last take: strict transitions are closed. */
  dirty: boolean;
  /** A NOT after this element saw its event: the run ends (kept in snapshots of older versions). */
  violated: boolean;
}

export function compilePattern(def: SequencePattern): CompiledPattern {
  const index = new Map(def.elements.map((e, i) => [e.variable, i]));
  const elements = def.elements.map((e, i) => ({
    variable: e.variable,
    kinds: e.kinds ? new Set(e.kinds) : null,
    min: e.min,
    max: e.max,
    negated: e.negated,
    strict: e.strict,
    cond: e.condition ? compilePatternExpr(e.condition, index, i) : null,
  }));
  const n = elements.length;
  const targets: number[][] = [];
  const nots: number[][] = [];
  const accept: Acceptance[] = [];
  for (let i = 0; i < n; i++) {
    const t: number[] = [];
    const ns: number[] = [];
    let j = i + 1;
    while (j < n && elements[j].negated) ns.push(j++);
    for (; j < n; j++) {
      t.push(j);
      if (elements[j].min > 0) break;
    }
    targets.push(t);
    nots.push(ns);
    // Accepting once nothing mandatory remains; pending when what remains is a trailing NOT block.
    const mandatoryLeft = j < n;
    accept.push(elements[i].negated || mandatoryLeft ? 'no' : ns.length ? 'pending' : 'now');
  }
  const local = def.elements.map((e, i) => {
    const conjuncts = !e.condition
      ? []
      : e.condition.type === 'logical' && e.condition.op === 'AND'
        ? e.condition.args
        : [e.condition];
    const own = conjuncts.filter((c) => {
      const r = references(c, index);
      return !r.aggregate && [...r.refs].every((x) => x === i);
    });
    if (!own.length) return null;
    const fns = own.map((c) => compilePatternExpr(c, index, i));
    return (env: MatchEnv) => fns.every((f) => f(env) === true);
  });
  return {
    def,
    elements,
    targets,
    nots,
    accept,
    filter: def.filter ? compilePatternExpr(def.filter, index, -1) : null,
    message: compileTemplate(def.message, (e) => compilePatternExpr(e, index, -1)),
    empty: elements.map(() => []),
    local,
  };
}

/**
 * Whether an event can change the partial matches of a pattern: some element (a NOT included) accepts its
 * kind and that element's conditions on the event alone hold. Any other event is skipped by every run,
 * which only marks it as having skipped one: that matters to strict contiguity alone, so a pattern with a
 * strict element is interested in every event (null). Otherwise: the kinds named (null: ANY), and a test
 * of the event's own conditions when some element has them (null: the kind decides).
 */
export function interestOf(p: CompiledPattern): {
  kinds: ReadonlySet<string> | null;
  test: ((e: AnalyticsEvent, kind: string, key: string) => boolean) | null;
} | null {
  if (p.elements.some((el) => el.strict)) return null;
  const kinds = new Set<string>();
  let anyKind = false;
  for (const el of p.elements) {
    if (el.kinds === null) anyKind = true;
    else for (const k of el.kinds) kinds.add(k);
  }
  if (!p.local.some((f) => f !== null)) return { kinds: anyKind ? null : kinds, test: null };
  const env: MatchEnv = { bound: p.empty, cur: null, key: '' };
  return {
    kinds: anyKind ? null : kinds,
    test: (e, kind, key) => {
      env.cur = e;
      env.key = key;
      for (let i = 0; i < p.elements.length; i++) {
        const el = p.elements[i];
        if (el.kinds !== null && !el.kinds.has(kind)) continue;
        const f = p.local[i];
        if (f === null || f(env)) return true;
      }
      return false;
    },
  };
}

function accepts(el: CompiledElement, kind: string, env: MatchEnv): boolean {
  return (el.kinds === null || el.kinds.has(kind)) && (el.cond === null || el.cond(env) === true);
}

function appended(xs: number[], x: number): number[] {
  const out = new Array<number>(xs.length + 1);
  for (let i = 0; i < xs.length; i++) out[i] = xs[i];
  out[xs.length] = x;
  return out;
}

function extend(run: Run, j: number, e: AnalyticsEvent, seq: number): Run {
  const bound = run.bound.slice();
  const prev = bound[j];
  const next = new Array<AnalyticsEvent>(prev.length + 1);
  for (let i = 0; i < prev.length; i++) next[i] = prev[i];
  next[prev.length] = e;
  bound[j] = next;
  return {
    el: j,
    count: j === run.el ? run.count + 1 : 1,
    bound,
    seqs: appended(run.seqs, seq),
    elems: appended(run.elems, j),
    startTime: run.startTime,
    deadline: run.deadline,
    dirty: false,
    violated: false,
  };
}

/** Orders matches for the skip strategy: lexicographically by (sequence number, element) of their events. */
export function compareRuns(a: Run, b: Run): number {
  const n = Math.min(a.seqs.length, b.seqs.length);
  for (let i = 0; i < n; i++) {
    if (a.seqs[i] !== b.seqs[i]) return a.seqs[i] - b.seqs[i];
    if (a.elems[i] !== b.elems[i]) return a.elems[i] - b.elems[i];
  }
  return a.seqs.length - b.seqs.length;
}

export function isPending(p: CompiledPattern, r: Run): boolean {
  return r.count >= p.elements[r.el].min && p.accept[r.el] === 'pending';
}

export function filterHolds(p: CompiledPattern, r: Run, key: string): boolean {
  return p.filter === null || p.filter({ bound: r.bound, cur: null, key }) === true;
}

/** Could the run (not violated) take any event in the future, given its contiguity? */
function canStillTake(p: CompiledPattern, r: Run): boolean {
  const el = p.elements[r.el];
  if (r.count < el.max && !(el.strict && r.dirty)) return true;
  if (r.count < el.min) return false;
  const targets = p.targets[r.el];
  for (let i = 0; i < targets.length; i++) if (!(p.elements[targets[i]].strict && r.dirty)) return true;
  return false;
}

export interface StepResult {
  /** Runs alive after the event (including runs started by it), in order. */
  runs: Run[];
  /** Runs the event completed (accepting, filter true), not included in `runs`. */
  completed: Run[];
}

/**
 * Feeds one event (already known to be in event-time order and inside every run's window) to the runs of
 * a key, and starts a run with it if it matches the first element.
 */
/** Files a run created by a take: completed (accepting and filter true), kept, or dropped. */
function place(p: CompiledPattern, r: Run, key: string, out: StepResult): void {
  const el = p.elements[r.el];
  if (p.accept[r.el] === 'now' && r.count >= el.min) {
    if (filterHolds(p, r, key)) {
      out.completed.push(r);
      return;
    }
    // Accepting but the filter fails: keep it only while it can still grow into a match.
    if (r.count >= el.max && p.targets[r.el].length === 0) return;
  }
  out.runs.push(r);
}

/**
 * Feeds one event (already known to be in event-time order and inside every run's window) to the runs of
 * a key, and starts a run with it if it matches the first element. (No closures here: this is the hot
 * path, and each closure costs an allocation per call.)
 */
export function step(
  p: CompiledPattern,
  runs: Run[],
  e: AnalyticsEvent,
  kind: string,
  seq: number,
  key: string,
): StepResult {
  const out: StepResult = { runs: [], completed: [] };
  const env: MatchEnv = { bound: EMPTY, cur: e, key };
  for (let ri = 0; ri < runs.length; ri++) {
    const run = runs[ri];
    env.bound = run.bound;
    const el = p.elements[run.el];
    let took = false;
    if (run.count < el.max && !(el.strict && run.dirty) && accepts(el, kind, env)) {
      place(p, extend(run, run.el, e, seq), key, out);
      took = true;
    }
    if (run.count >= el.min) {
      const targets = p.targets[run.el];
      for (let ti = 0; ti < targets.length; ti++) {
        const j = targets[ti];
        const t = p.elements[j];
        if (!(t.strict && run.dirty) && accepts(t, kind, env)) {
          place(p, extend(run, j, e, seq), key, out);
          took = true;
        }
      }
    }
    if (took) continue;
    // Skipped: it breaks strict contiguity, and may be an event a NOT forbids.
    run.dirty = true;
    if (run.count >= el.min) {
      const nots = p.nots[run.el];
      for (let ki = 0; ki < nots.length; ki++)
        if (accepts(p.elements[nots[ki]], kind, env)) run.violated = true;
    }
    // The guard of a NOT covers the rest of the element before it, further iterations included: a run
    // that saw a forbidden event can never complete, so it ends here (docs/patterns.md, "Absence").
    if (run.violated) continue;
    if (isPending(p, run) || canStillTake(p, run)) out.runs.push(run);
  }
  const first = p.elements[0];
  if (first.kinds === null || first.kinds.has(kind)) {
    const bound: AnalyticsEvent[][] = [];
    for (let i = 0; i < p.elements.length; i++) bound.push(i === 0 ? [e] : EMPTY_RUN);
    env.bound = p.empty;
    if (first.cond === null || first.cond(env) === true) {
      place(
        p,
        {
          el: 0,
          count: 1,
          bound,
          seqs: [seq],
          elems: [0],
          startTime: e.event_time,
          deadline: e.event_time + p.def.withinMs,
          dirty: false,
          violated: false,
        },
        key,
        out,
      );
    }
  }
  return out;
}

const EMPTY: AnalyticsEvent[][] = [];
/** Shared empty binding list: extend() copies before appending, so it is never mutated. */
const EMPTY_RUN: AnalyticsEvent[] = [];

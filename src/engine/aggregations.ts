import { Hll } from './hll.js';

/**
 * Aggregations with one small interface (as in quixstreams): `init` a state, `add` a value, `merge` two
 * states (panes of a hopping window, partitions of a global view, merging session windows) and read the
 * `result`. `add` and `merge` return the new state: numbers are immutable, collections are updated in place
 * and returned. `merge(into, from)` never modifies `from`, because a pane is merged into every window that
 * covers it.
 */
export interface Aggregator<S, In, Out> {
  readonly name: string;
  init(): S;
  add(state: S, value: In): S;
  merge(into: S, from: S): S;
  result(state: S): Out;
}

export const count: Aggregator<number, unknown, number> = {
  name: 'count',
  init: () => 0,
  add: (s) => s + 1,
  merge: (a, b) => a + b,
  result: (s) => s,
};

export const sum: Aggregator<number, number, number> = {
  name: 'sum',
  init: () => 0,
  add: (s, v) => s + v,
  merge: (a, b) => a + b,
  result: (s) => s,
};

/**
 * A sum that does not depend on the order of its terms: Shewchuk's non-overlapping partials (Python's
 * math.fsum), rounded once when read. Sessions add a user's purchases in arrival order, which interleaves
 * topics differently from run to run; this keeps their revenue identical to the last bit.
 */
export const exactSum: Aggregator<number[], number, number> = {
  name: 'exactSum',
  init: () => [],
  add: (partials, v) => {
    let x = v;
    let i = 0;
    for (let j = 0; j < partials.length; j++) {
      let y = partials[j];
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    partials.push(x);
    return partials;
  },
  merge: (into, from) => {
    for (const v of from) exactSum.add(into, v);
    return into;
  },
  result: (partials) => {
    let n = partials.length;
    if (n === 0) return 0;
    let hi = partials[--n];
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = partials[--n];
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // Round half-even correctly when the remaining partials push the result over a tie.
    if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  },
};

export interface AvgState {
  sum: number;
  n: number;
}
export const avg: Aggregator<AvgState, number, number | null> = {
  name: 'avg',
  init: () => ({ sum: 0, n: 0 }),
  add: (s, v) => {
    s.sum += v;
    s.n++;
    return s;
  },
  merge: (a, b) => {
    a.sum += b.sum;
    a.n += b.n;
    return a;
  },
  result: (s) => (s.n === 0 ? null : s.sum / s.n),
};

export const min: Aggregator<number, number, number | null> = {
  name: 'min',
  init: () => Infinity,
  add: (s, v) => (v < s ? v : s),
  merge: (a, b) => (b < a ? b : a),
  result: (s) => (s === Infinity ? null : s),
};

export const max: Aggregator<number, number, number | null> = {
  name: 'max',
  init: () => -Infinity,
  add: (s, v) => (v > s ? v : s),
  merge: (a, b) => (b > a ? b : a),
  result: (s) => (s === -Infinity ? null : s),
};

/** Exact distinct count: a Set. Memory grows with cardinality; see distinctHll for the bounded option. */
export const distinctExact: Aggregator<Set<string>, string, number> = {
  name: 'distinct',
  init: () => new Set<string>(),
  add: (s, v) => s.add(v),
  merge: (a, b) => {
    for (const v of b) a.add(v);
    return a;
  },
  result: (s) => s.size,
};

/** Approximate distinct count in fixed memory: relative standard error 1.04/sqrt(2^precision). */
export function distinctHll(precision = 14): Aggregator<Hll, string, number> {
  return {
    name: `distinct-hll(p=${precision})`,
    init: () => new Hll(precision),
    add: (s, v) => {
      s.add(v);
      return s;
    },
    merge: (a, b) => {
      a.merge(b);
      return a;
    },
    result: (s) => s.estimate(),
  };
}

export type DistinctState = Set<string> | Hll;
export interface DistinctAggregator extends Aggregator<DistinctState, string, number> {
  /**
   * A state equal to merging `parts`, in order, into init(): for reading result() only (it may be shared
   * with later calls, so it must never be added or merged into). See unionExact.
   */
  union(parts: readonly DistinctState[]): DistinctState;
}

export function distinct(mode: 'exact' | 'hll', precision = 14): DistinctAggregator {
  if (mode === 'exact')
    return {
      ...(distinctExact as Aggregator<DistinctState, string, number>),
      union: (parts) => unionExact(parts as readonly Set<string>[]),
    };
  const hll = distinctHll(precision) as Aggregator<DistinctState, string, number>;
  return {
    ...hll,
    union: (parts) => {
      const u = hll.init();
      for (const p of parts) hll.merge(u, p);
      return u;
    },
  };
}

/** The union built for one list of parts, and per part an iterator just past the elements it has taken. */
interface UnionMemo {
  union: Set<string>;
  parts: Set<string>[];
  taken: number[];
  cursors: Iterator<string>[];
}

/** Keyed by the first part: a window's merged result starts with the same pane set every time it is emitted. */
const unionMemos = new WeakMap<Set<string>, UnionMemo>();

/**
 * The union of `parts`, reusing the union built by the previous call with the same first part. Early results
 * re-merge a live window's panes every interval; copying every set each time costs O(window cardinality) of
 * hash inserts per emission (most of the engine's time for a 1-minute distinct count). Distinct sets only
 * grow, by appending in insertion order, so the elements a part gained since the previous call are the ones
 * after the count taken then, and the union only needs those. A Set iterator also sees elements appended
 * after it was created, so each part keeps one, stopped just before its end: it is never run to `done`
 * (which would close it), and the next call reads on from it instead of walking the whole set again. The
 * size is exactly the union's size whatever the order, so results do not change. The memo is dropped with
 * its first part (the pane, when the window closes), and rebuilt when it holds a part that is not among
 * `parts` (another window starting on that pane).
 */
export function unionExact(parts: readonly Set<string>[]): Set<string> {
  if (parts.length === 0) return new Set();
  let memo = unionMemos.get(parts[0]);
  if (!memo || !memo.parts.every((p) => parts.includes(p))) {
    memo = { union: new Set(), parts: [], taken: [], cursors: [] };
    unionMemos.set(parts[0], memo);
  }
  const union = memo.union;
  for (const p of parts) {
    let i = memo.parts.indexOf(p);
    if (i < 0) {
      i = memo.parts.length;
      memo.parts.push(p);
      memo.taken.push(0);
      memo.cursors.push(p.values());
    }
    const cursor = memo.cursors[i];
    for (let k = memo.taken[i]; k < p.size; k++) union.add(cursor.next().value as string);
    memo.taken[i] = p.size;
  }
  return union;
}

/** Sums per key (revenue by currency, events by country). Counting is adding 1. */
export const sumByKey: Aggregator<Map<string, number>, [string, number], Map<string, number>> = {
  name: 'sum-by-key',
  init: () => new Map<string, number>(),
  add: (s, [k, v]) => s.set(k, (s.get(k) ?? 0) + v),
  merge: (a, b) => {
    for (const [k, v] of b) a.set(k, (a.get(k) ?? 0) + v);
    return a;
  },
  result: (s) => s,
};

export function addToKey(s: Map<string, number>, key: string, v: number): void {
  s.set(key, (s.get(key) ?? 0) + v);
}

export interface Ranked {
  key: string;
  count: number;
}

/**
 * Top-N by count. The state keeps every key's count (exact, and mergeable across panes and partitions, which
 * a truncated top-N is not); only the result is cut to N. Ties break on the key so output is deterministic.
 */
export function topN(n: number): Aggregator<Map<string, number>, string, Ranked[]> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`top-N needs an integer N >= 1, got ${n}`);
  return {
    name: `top-${n}`,
    init: () => new Map<string, number>(),
    add: (s, k) => s.set(k, (s.get(k) ?? 0) + 1),
    merge: sumByKey.merge,
    result: (s) => rank(s, n),
  };
}

export function rank(counts: Map<string, number>, n: number): Ranked[] {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, n)
    .map(([key, count]) => ({ key, count }));
}

/** A ratio that is null, not NaN or Infinity, when the denominator is zero. */
export function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

/** A Map as a plain object with sorted keys (stable JSON for results). */
export function sortedObject(m: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of [...m.keys()].sort()) out[k] = m.get(k)!;
  return out;
}

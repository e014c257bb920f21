import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCep, parsePatterns } from '../../src/cep/index.js';
import type { Alert } from '../../src/events/results.js';
import type { ConversionEvent, ConversionType } from '../../src/events/types.js';
import { conversion } from './helpers.js';

/**
 * Differential test: random small patterns on random small streams (shuffled within and beyond the
 * allowed out-of-orderness) through the CEP, against a brute-force reference written here from the
 * declarative definition in docs/patterns.md:
 *   - a match binds a subsequence of the key's events (in (event_time, arrival) order, late events
 *     excluded) to the positive elements in order, counts within each quantifier, every event of its
 *     element's kind and satisfying its conditions, all with event_time < first + WITHIN;
 *   - strict contiguity: the event bound after a `=>` (or in a strict loop) directly follows the
 *     previous bound event;
 *   - skip-till-next-match: no event skipped between two bound events could have been taken by the
 *     partial match at that point;
 *   - NOT: no forbidden event after the element before it reached its minimum, its later iterations
 *     included, until the next bound element (or, at the end of the pattern, before the WITHIN
 *     deadline, when it ends the pattern);
 *   - aggregate filter on the complete match;
 *   - SKIP PAST LAST EVENT: completion points in time order (timeouts at d before events at d); at each,
 *     the lexicographically first candidate that starts after the last emitted match's last event wins.
 * The enumerator proposes every structurally possible labelled subsequence; the predicates above decide.
 */

function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    chance: (p: number) => next() < p,
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)],
  };
}
type Rng = ReturnType<typeof rng>;

type Ev = ConversionEvent;
type Bind = Record<string, Ev[]>;
interface SpecEl {
  v: string;
  kinds: string[];
  min: number;
  max: number;
  neg: boolean;
  strict: boolean;
  cond: ((cur: Ev, b: Bind) => boolean) | null;
  condText: string | null;
}
interface Spec {
  els: SpecEl[];
  W: number;
  filter: ((b: Bind) => boolean) | null;
  filterText: string | null;
  text: string;
}

const KINDS = ['add_to_cart', 'checkout', 'purchase'] as const;
const QUANTS: [string, number, number][] = [
  ['', 1, 1],
  ['', 1, 1],
  ['', 1, 1],
  ['+', 1, Infinity],
  ['?', 0, 1],
  ['*', 0, Infinity],
  ['{1,2}', 1, 2],
  ['{2,3}', 2, 3],
  ['{2}', 2, 2],
];
const last = (xs: Ev[]) => xs[xs.length - 1];

function randomSpec(r: Rng): Spec {
  const n = 2 + r.int(3);
  const els: SpecEl[] = [];
  for (let i = 0; i < n; i++) {
    const v = 'ABCDE'[i];
    let [q, min, max] = r.pick(QUANTS);
    if (i === 0 && min === 0) [q, min, max] = ['', 1, 1];
    const kinds = r.chance(0.25)
      ? [r.pick(KINDS), r.pick(KINDS)].filter((k, j, a) => a.indexOf(k) === j)
      : [r.pick(KINDS)];
    els.push({
      v,
      kinds,
      min,
      max,
      neg: false,
      strict: i > 0 && r.chance(0.3),
      cond: null,
      condText: null,
      q,
    } as SpecEl & { q: string });
  }
  // One NOT, after a mandatory element and before a mandatory one (or at the end).
  if (r.chance(0.35)) {
    const spots = els.map((_, i) => i).filter((i) => els[i].min > 0 && (i === n - 1 || els[i + 1].min > 0));
    if (spots.length) {
      const at = r.pick(spots) + 1;
      els.splice(at, 0, {
        v: 'N',
        kinds: [r.pick(KINDS)],
        min: 0,
        max: 0,
        neg: true,
        strict: false,
        cond: null,
        condText: null,
      });
      if (els[at + 1]) els[at + 1].strict = false;
    }
  }
  // Conditions, each on one element, possibly reading an earlier positive variable.
  els.forEach((el, i) => {
    if (!r.chance(0.35)) return;
    const earlier = els.slice(0, i).filter((e) => !e.neg);
    if (earlier.length && r.chance(0.5)) {
      const y = r.pick(earlier).v;
      if (r.chance(0.5)) {
        el.cond = (cur, b) => b[y].length > 0 && cur.revenue! > last(b[y]).revenue!;
        el.condText = `${el.v}.revenue > ${y}.revenue`;
      } else {
        el.cond = (cur, b) => b[y].length > 0 && cur.revenue! !== last(b[y]).revenue!;
        el.condText = `${el.v}.revenue != ${y}.revenue`;
      }
    } else {
      const k = 1 + r.int(3);
      el.cond = (cur) => cur.revenue! >= k;
      el.condText = `${el.v}.revenue >= ${k}`;
    }
  });
  let filter: Spec['filter'] = null;
  let filterText: string | null = null;
  const pos = els.filter((e) => !e.neg);
  if (r.chance(0.25)) {
    const x = r.pick(pos).v;
    const which = r.int(3);
    if (which === 0) {
      filter = (b) => b[x].length >= 2;
      filterText = `count(${x}) >= 2`;
    } else if (which === 1) {
      filter = (b) => b[x].reduce((s, e) => s + e.revenue!, 0) >= 5;
      filterText = `sum(${x}.revenue) >= 5`;
    } else {
      filter = (b) => new Set(b[x].map((e) => e.revenue)).size >= 2;
      filterText = `distinct(${x}.revenue) >= 2`;
    }
  }
  const W = r.pick([3, 5, 8, 20]) * 1000;
  const parts = els.map((e, i) => {
    const conn = i === 0 ? '' : e.strict ? ' => ' : ' -> ';
    return `${conn}${e.neg ? 'NOT ' : ''}(${e.kinds.join('|')} ${e.v})${(e as SpecEl & { q?: string }).q ?? ''}`;
  });
  const conds = [
    ...els.map((e) => e.condText).filter((c): c is string => c !== null),
    ...(filterText ? [filterText] : []),
  ];
  const text = `NAME rand PATTERN ${parts.join('')}${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''} WITHIN ${W / 1000} SECONDS`;
  return { els, W, filter, filterText, text };
}

// ---- the brute-force reference ---------------------------------------------------------------------

type Pair = [number, number]; // [event index, element index]
const kindOk = (el: SpecEl, e: Ev) => el.kinds.includes(e.conversion_type);
const takes = (el: SpecEl, e: Ev, b: Bind) => kindOk(el, e) && (el.cond === null || el.cond(e, b));

function targets(els: SpecEl[], from: number): number[] {
  const out: number[] = [];
  for (let j = from + 1; j < els.length; j++) {
    if (els[j].neg) continue;
    out.push(j);
    if (els[j].min > 0) break;
  }
  return out;
}
const notsAfter = (els: SpecEl[], i: number) => {
  const out: number[] = [];
  for (let j = i + 1; j < els.length && els[j].neg; j++) out.push(j);
  return out;
};

/** Every labelled subsequence that respects element order and quantifier bounds (kinds only). */
function enumerate(els: SpecEl[], evs: Ev[]): Pair[][] {
  const out: Pair[][] = [];
  const complete = (el: number, count: number) =>
    count >= els[el].min && els.slice(el + 1).every((e) => e.neg || e.min === 0);
  const rec = (i: number, el: number, count: number, acc: Pair[]) => {
    if (i === evs.length) return;
    rec(i + 1, el, count, acc);
    const options: number[] = [];
    if (el < 0) options.push(0);
    else {
      if (count < els[el].max) options.push(el);
      if (count >= els[el].min) options.push(...targets(els, el));
    }
    for (const j of options) {
      if (!kindOk(els[j], evs[i])) continue;
      const c = j === el ? count + 1 : 1;
      const next: Pair[] = [...acc, [i, j]];
      if (complete(j, c)) out.push(next);
      rec(i + 1, j, c, next);
    }
  };
  rec(0, -1, 0, []);
  return out;
}

interface Candidate {
  m: Pair[];
  /** Completion point: time, then 0 for a timeout / 1 for an event, then event index (events). */
  at: [number, number, number];
}

function check(spec: Spec, evs: Ev[], m: Pair[]): Candidate | null {
  const { els } = spec;
  const b: Bind = Object.fromEntries(els.map((e) => [e.v, []]));
  const t0 = evs[m[0][0]].event_time;
  const enabled = (pel: number, count: number, x: number, adjacent: boolean, violated: boolean) => {
    const e = evs[x];
    if (count < els[pel].max && (!els[pel].strict || adjacent) && takes(els[pel], e, b)) return true;
    if (count < els[pel].min || (violated && notsAfter(els, pel).length)) return false;
    return targets(els, pel).some((j) => (!els[j].strict || adjacent) && takes(els[j], e, b));
  };
  const violates = (pel: number, count: number, x: number) =>
    count >= els[pel].min && notsAfter(els, pel).some((k) => takes(els[k], evs[x], b));
  let count = 0;
  // A NOT's guard covers the element before it from its minimum on, its later iterations included.
  let violated = false;
  for (let k = 0; k < m.length; k++) {
    const [i, el] = m[k];
    if (k > 0) {
      const [pi, pel] = m[k - 1];
      if (els[el].strict && i !== pi + 1) return null;
      for (let x = pi + 1; x < i; x++) {
        if (enabled(pel, count, x, x === pi + 1, violated)) return null;
        if (violates(pel, count, x)) violated = true;
      }
      if (violated) return null;
      count = el === pel ? count + 1 : 1;
    } else count = 1;
    if (!takes(els[el], evs[i], b) || evs[i].event_time >= t0 + spec.W) return null;
    b[els[el].v].push(evs[i]);
  }
  const [li, lel] = m[m.length - 1];
  if (els[els.length - 1].neg) {
    const d = t0 + spec.W;
    for (let x = li + 1; x < evs.length && evs[x].event_time < d; x++) {
      if (enabled(lel, count, x, x === li + 1, false) || violates(lel, count, x)) return null;
    }
    if (spec.filter && !spec.filter(b)) return null;
    return { m, at: [d, 0, 0] };
  }
  if (spec.filter && !spec.filter(b)) return null;
  return { m, at: [evs[li].event_time, 1, li] };
}

function lexi(a: Pair[], b: Pair[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i][0] !== b[i][0]) return a[i][0] - b[i][0];
    if (a[i][1] !== b[i][1]) return a[i][1] - b[i][1];
  }
  return a.length - b.length;
}

function reference(spec: Spec, evs: Ev[]): string[] {
  const cands = enumerate(spec.els, evs)
    .map((m) => check(spec, evs, m))
    .filter((c): c is Candidate => c !== null)
    .sort((x, y) => x.at[0] - y.at[0] || x.at[1] - y.at[1] || x.at[2] - y.at[2] || lexi(x.m, y.m));
  const out: string[] = [];
  let cut = -1;
  for (let i = 0; i < cands.length;) {
    let j = i;
    while (j < cands.length && cands[j].at.every((v, k) => v === cands[i].at[k])) j++;
    const group = cands.slice(i, j);
    // At an event, one match (the first); at a deadline, each in order if it still starts after the cut.
    for (const c of group) {
      if (c.m[0][0] <= cut) continue;
      out.push(c.m.map(([x, el]) => `${spec.els[el].v}:${evs[x].event_id}`).join(' '));
      cut = c.m[c.m.length - 1][0];
      if (c.at[1] === 1) break;
    }
    i = j;
  }
  return out;
}

// ---- the test -------------------------------------------------------------------------------------------

test('CEP matches equal a brute-force enumeration on thousands of random small streams', () => {
  const r = rng(20240607);
  const OOO = 2500;
  let streams = 0;
  let matches = 0;
  let late = 0;
  let withNot = 0;
  for (let p = 0; p < 400; p++) {
    const spec = randomSpec(r);
    const defs = parsePatterns(spec.text, 'random.cep');
    if (spec.els.some((e) => e.neg)) withNot++;
    for (let s = 0; s < 8; s++) {
      streams++;
      const users = ['u1', 'u2'].slice(0, 1 + r.int(2));
      const n = 6 + r.int(8);
      let t = 0;
      const evs: Ev[] = [];
      for (let i = 0; i < n; i++) {
        t += r.pick([0, 1000, 1000, 2000, 500]);
        const kind = r.chance(0.1) ? 'signup' : r.pick(KINDS);
        evs.push(
          conversion(kind as ConversionType, r.pick(users), t, { event_id: `x${i}`, revenue: 1 + r.int(3) }),
        );
      }
      // Arrival order: event time plus a random delay, sometimes beyond the allowed out-of-orderness.
      const arrival = evs
        .map((e) => ({ e, at: e.event_time + r.int(4000) }))
        .sort((a, b) => a.at - b.at)
        .map((x) => x.e);
      let maxSeen = -Infinity;
      const lateIds = new Set<string>();
      for (const e of arrival) {
        if (e.event_time < maxSeen - OOO) lateIds.add(e.event_id);
        else maxSeen = Math.max(maxSeen, e.event_time);
      }
      late += lateIds.size;
      const alerts: Alert[] = [];
      const cep = createCep(
        defs,
        { alert: (a) => alerts.push(a) },
        // Every other stream with keys packed at every chance (cep.ts packAfterTouches).
        { autoWatermarkMs: OOO, maxRunsPerKey: 100_000, packAfterTouches: s % 2 ? 1 : undefined },
      );
      arrival.forEach((e) => cep.process(e, 0));
      cep.flush(0);
      assert.equal(cep.stats().late, lateIds.size);
      assert.equal(cep.stats().evicted, 0);
      assert.equal(cep.stats().partialMatches, 0, 'flush ends every partial match');
      for (const u of users) {
        const order = new Map(arrival.map((e, i) => [e.event_id, i]));
        const keyEvents = evs
          .filter((e) => e.user_id === u && !lateIds.has(e.event_id))
          .sort((a, b) => a.event_time - b.event_time || order.get(a.event_id)! - order.get(b.event_id)!);
        const expected = reference(spec, keyEvents);
        const got = alerts
          .filter((a) => a.key === u)
          .map((a) => a.events.map((x) => `${x.variable}:${x.event_id}`).join(' '));
        matches += expected.length;
        assert.deepEqual(
          got,
          expected,
          `pattern: ${spec.text}\nkey ${u} events: ${keyEvents.map((e) => `${e.event_id}@${e.event_time}:${e.conversion_type}/${e.revenue}`).join(' ')}`,
        );
      }
    }
  }
  // The generator must exercise what it claims to: many matches, late events and absences.
  assert.ok(streams >= 3000, `${streams} streams`);
  assert.ok(matches > 1000, `${matches} matches`);
  assert.ok(late > 100, `${late} late events`);
  assert.ok(withNot > 50, `${withNot} patterns with NOT`);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  avg,
  count,
  distinctExact,
  distinctHll,
  exactSum,
  max,
  min,
  ratio,
  sum,
  topN,
  unionExact,
} from '../../src/engine/aggregations.js';
import { Hll } from '../../src/engine/hll.js';
import { mulberry32 as rng } from '../helpers/random.js';

test('count, sum, avg, min, max: merge of two halves equals one pass', () => {
  const r = rng(1);
  const xs = Array.from({ length: 1000 }, () => Math.round(r() * 1e4) / 100);
  for (const agg of [count, sum, avg, min, max] as const) {
    const fold = (vs: number[]) =>
      vs.reduce((s, v) => (agg.add as (s: unknown, v: number) => unknown)(s, v), agg.init() as unknown);
    const whole = (agg.result as (s: unknown) => unknown)(fold(xs));
    const merged = (agg.result as (s: unknown) => unknown)(
      (agg.merge as (a: unknown, b: unknown) => unknown)(fold(xs.slice(0, 400)), fold(xs.slice(400))),
    );
    assert.ok(Math.abs((whole as number) - (merged as number)) < 1e-9, agg.name);
  }
  assert.equal(avg.result(avg.init()), null);
  assert.equal(min.result(min.init()), null);
  assert.equal(max.result(xs.reduce(max.add, max.init())), Math.max(...xs));
  assert.equal(ratio(1, 0), null);
});

test('merge never modifies its source (a pane is merged into several windows)', () => {
  const a = distinctExact.init();
  const b = distinctExact.init();
  distinctExact.add(b, 'x');
  distinctExact.merge(a, b);
  distinctExact.add(a, 'y');
  assert.deepEqual([...b], ['x']);
  const t = topN(2);
  const s1 = t.init();
  const s2 = t.add(t.init(), 'k');
  t.merge(s1, s2);
  t.add(s1, 'k');
  assert.equal(s2.get('k'), 1);
});

test('top-N ranks by count, ties by key, cut to N', () => {
  const t = topN(3);
  const s = t.init();
  for (const k of ['b', 'a', 'c', 'c', 'd', 'a', 'e', 'c']) t.add(s, k);
  assert.deepEqual(t.result(s), [
    { key: 'c', count: 3 },
    { key: 'a', count: 2 },
    { key: 'b', count: 1 },
  ]);
});

test('HyperLogLog stays within 3 standard errors of the exact count, and merges like a union', () => {
  for (const p of [10, 14]) {
    const se = Hll.standardError(p);
    for (const n of [100, 5_000, 200_000]) {
      const agg = distinctHll(p);
      const a = agg.init();
      const b = agg.init();
      for (let i = 0; i < n; i++) agg.add(i % 2 ? a : b, `user-${i}`);
      agg.add(a, 'user-0'); // duplicates across the halves do not count twice
      const est = agg.result(agg.merge(a, b));
      assert.ok(
        Math.abs(est - n) / n < 3 * se,
        `p=${p} n=${n}: estimate ${est}, error ${(Math.abs(est - n) / n).toFixed(4)} > 3 x ${se.toFixed(4)}`,
      );
    }
  }
  const h = new Hll(12);
  h.add('a');
  assert.deepEqual(Hll.fromBase64(h.toBase64(), 12).registers, h.registers);
  assert.throws(() => new Hll(3), /precision must be an integer in 4..18/);
});

test('dense histogram: k-th largest is exact after growth in both directions and merges', async () => {
  const { DenseHistogram } = await import('../../src/engine/histogram.js');
  const r = rng(5);
  const values = Array.from({ length: 5000 }, () => 1_700_000_000_000 + Math.floor((r() - 0.5) * 200_000));
  const a = new DenseHistogram();
  const b = new DenseHistogram();
  values.forEach((v, i) => (i % 3 ? a : b).add(v));
  a.merge(b);
  const sorted = [...values].sort((x, y) => y - x);
  for (const k of [1, 2, 250, 2500, 4999, 5000]) assert.equal(a.kthLargest(k), sorted[k - 1]);
  assert.equal(a.kthLargest(5001), null);
  assert.deepEqual(DenseHistogram.fromPairs(a.toPairs()).toPairs(), a.toPairs());
  const dense = DenseHistogram.fromFlat(a.toFlat());
  assert.deepEqual(dense.toPairs(), a.toPairs());
  for (const k of [1, 2500, 5000]) assert.equal(dense.kthLargest(k), sorted[k - 1]);
  assert.deepEqual(new DenseHistogram().toFlat(), []);
  assert.equal(DenseHistogram.fromFlat([]).total, 0);
  // The snapshot form: distances between values, the first one as it is.
  const gaps = a.toGaps();
  assert.equal(gaps.length, a.toFlat().length);
  assert.deepEqual(DenseHistogram.fromGaps(gaps).toPairs(), a.toPairs());
  assert.deepEqual(new DenseHistogram().toGaps(), []);
  assert.equal(DenseHistogram.fromGaps([]).total, 0);
  const ms = new DenseHistogram();
  for (const t of [1_704_067_200_000, 1_704_067_200_001, 1_704_067_200_001, 1_704_067_200_009]) ms.add(t);
  assert.deepEqual(ms.toGaps(), [1_704_067_200_000, 1, 1, 2, 8, 1]);
});

test('unionExact: a union reused while its parts grow (through their rehashes) equals a fresh union every time', () => {
  const r = rng(5);
  const parts = [new Set<string>(), new Set<string>(), new Set<string>()];
  for (let round = 0; round < 60; round++) {
    // Growing batches, overlapping parts, and rounds where a part gains nothing or only repeats.
    for (const p of parts)
      for (let i = Math.floor(r() * round * 40); i > 0; i--) p.add(`v${Math.floor(r() * 20_000)}`);
    const fresh = new Set<string>();
    for (const p of parts) for (const v of p) fresh.add(v);
    const reused = unionExact(parts);
    assert.equal(reused.size, fresh.size, `round ${round}`);
    assert.deepEqual([...reused].sort(), [...fresh].sort());
  }
  // Another window starting on the same pane (a part the memo does not hold) gets a union of its own parts.
  const other = [parts[0], new Set(['x'])];
  assert.equal(unionExact(other).size, parts[0].size + (parts[0].has('x') ? 0 : 1));
});

test('exactSum gives the same sum, to the last bit, whatever the order of its terms', () => {
  let seed = 7;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const values = Array.from({ length: 300 }, () => Math.round(rand() * 1e6) / 100 - 1000);
  const sumOf = (xs: number[]) => exactSum.result(xs.reduce((s, x) => exactSum.add(s, x), exactSum.init()));
  const first = sumOf(values);
  const naive = new Set<number>();
  for (let round = 0; round < 50; round++) {
    const xs = [...values];
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    naive.add(xs.reduce((a, b) => a + b, 0));
    assert.equal(sumOf(xs), first);
    // Merging two halves gives the same as adding one by one.
    const a = xs.slice(0, 100).reduce((s, x) => exactSum.add(s, x), exactSum.init());
    const b = xs.slice(100).reduce((s, x) => exactSum.add(s, x), exactSum.init());
    assert.equal(exactSum.result(exactSum.merge(a, b)), first);
  }
  assert.ok(naive.size > 1, 'plain addition does depend on the order here, so the test can fail');
  assert.ok(Math.abs(first - [...naive][0]) < 1e-6);
  assert.equal(sumOf([0.1, 0.2, 0.3]), 0.6);
  assert.equal(sumOf([1e100, 1, -1e100]), 1);
});

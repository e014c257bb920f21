import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyRecorders } from '../../src/reporting/histograms.js';
import { latencySection } from '../../src/reporting/report.js';
import { mergeLatencies } from '../../src/reporting/merge.js';

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

test('merging the histograms of two JSON reports gives the percentiles of one run over both', () => {
  const rnd = lcg(7);
  const a = new LatencyRecorders();
  const b = new LatencyRecorders();
  const both = new LatencyRecorders();
  for (let i = 0; i < 20_000; i++) {
    const x = -Math.log(1 - rnd()) * 40; // exponential, mean 40 ms
    const y = 5 + rnd() * 900; // uniform, a different shape
    a.record('ingest', x);
    b.record('ingest', y);
    both.record('ingest', x);
    both.record('ingest', y);
  }
  const ra = JSON.parse(JSON.stringify({ latency: latencySection(a) }));
  const rb = JSON.parse(JSON.stringify({ latency: latencySection(b) }));
  const merged = mergeLatencies([ra, rb]).ingest!;
  const direct = latencySection(both).ingest!;
  for (const k of ['count', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'] as const)
    assert.equal(merged[k], direct[k], k);
  // and the merged percentiles are not the average of the two runs' percentiles
  assert.notEqual(merged.p50, (ra.latency.ingest.p50 + rb.latency.ingest.p50) / 2);
});

test('percentiles are within HDR precision of exact order statistics', () => {
  const rnd = lcg(3);
  const r = new LatencyRecorders();
  const values: number[] = [];
  for (let i = 0; i < 10_000; i++) {
    const v = Math.round(rnd() * 5000 * 1000) / 1000;
    values.push(v);
    r.record('e2e', v);
  }
  values.sort((x, y) => x - y);
  const exact = (p: number) => values[Math.ceil((p / 100) * values.length) - 1];
  const s = r.summary('e2e');
  for (const [p, got] of [
    [50, s.p50],
    [99, s.p99],
    [99.9, s.p999],
  ] as const) {
    assert.ok(Math.abs(got - exact(p)) / exact(p) < 0.002, `p${p}: ${got} vs ${exact(p)}`);
  }
  assert.ok(Math.abs(s.max - values.at(-1)!) / values.at(-1)! < 0.002);
});

test('warm-up latencies are not recorded', () => {
  const r = new LatencyRecorders();
  r.measureFrom = 1000;
  r.recordFrom('ingest', 999, 1500);
  r.recordFrom('ingest', 1000, 1010);
  assert.equal(r.summary('ingest').count, 1);
  assert.ok(Math.abs(r.summary('ingest').max - 10) < 0.01); // within HDR precision (3 significant digits)
});

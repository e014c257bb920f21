import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareBaseline, evaluateThresholds, parseThreshold } from '../../src/bench/gate.js';
import type { BenchReport } from '../../src/reporting/report.js';

function report(p95: number, throughput: number, errors = 0): BenchReport {
  const lat = {
    description: '',
    count: 100,
    min: 1,
    mean: p95 / 2,
    p50: p95 / 2,
    p90: p95 * 0.9,
    p95,
    p99: p95 * 1.5,
    p999: p95 * 2,
    max: p95 * 3,
    histogram: '',
  };
  return {
    latency: { ingest: lat },
    pipeline: {
      throughput_per_sec: throughput,
      error_rate: errors,
      dead_letters: 3,
      late: 0,
      duplicates: 0,
      max_lag: 10,
      alerts: 2,
      results: 5,
    },
  } as unknown as BenchReport;
}

test('thresholds parse latency, throughput and error forms', () => {
  assert.deepEqual(parseThreshold('ingest.p95<500ms'), {
    source: 'ingest.p95<500ms',
    metric: 'ingest.p95',
    op: '<',
    value: 500,
    unit: 'ms',
  });
  assert.equal(parseThreshold('throughput>=10000/min').value, 10000 / 60);
  assert.equal(parseThreshold('errors<0.1%').value, 0.001);
  assert.equal(parseThreshold('e2e.p99.9<2s').value, 2000);
  assert.throws(() => parseThreshold('ingest.p42<1ms'), /unknown metric 'ingest.p42'/);
  assert.throws(() => parseThreshold('fast please'), /expected METRIC OP VALUE/);
});

test('a threshold that holds passes and one that cannot hold fails, naming the miss', () => {
  const r = report(120, 200);
  const [ok, bad, thr, err] = evaluateThresholds(
    ['ingest.p95<500ms', 'ingest.p95<100ms', 'throughput>=10000/min', 'errors<0.1%'].map((t) =>
      parseThreshold(t),
    ),
    r,
  );
  assert.equal(ok.passed, true);
  assert.equal(bad.passed, false);
  assert.match(bad.message, /ingest.p95<100ms failed: measured 120ms, limit < 100ms \(by 20ms, 20.0%\)/);
  assert.equal(thr.passed, true);
  assert.equal(err.passed, true);
});

test('a metric that was not measured fails rather than passing silently', () => {
  const [g] = evaluateThresholds([parseThreshold('alert.p99<1s')], report(1, 1));
  assert.equal(g.passed, false);
  assert.match(g.message, /no alert.p99 was measured/);
});

test('baseline comparison flags latency growth and throughput drops beyond the allowed regression', () => {
  const base = report(100, 1000);
  assert.ok(compareBaseline(report(105, 990), base, 0.1).every((g) => g.passed));
  const worse = compareBaseline(report(130, 800), base, 0.1);
  assert.ok(worse.some((g) => !g.passed && g.threshold === 'baseline ingest.p95'));
  assert.ok(worse.some((g) => !g.passed && g.threshold === 'baseline throughput'));
});

test('e2e.VIEW.STAT gates one result view, view names with dots included', () => {
  const r = report(100, 200);
  const s = { count: 5, min: 1, mean: 2, p50: 2, p90: 3, p95: 700, p99: 900, p999: 950, max: 990 };
  r.e2e_by_view = { kpis: s, 'products.tumbling': { ...s, p95: 30 } };
  const t = parseThreshold('e2e.products.tumbling.p99.9<1s');
  assert.equal(t.view, 'products.tumbling');
  const [kpis, products, missing] = evaluateThresholds(
    ['e2e.kpis.p95<850ms', 'e2e.products.tumbling.p95<20ms', 'e2e.sessions.p95<1s'].map((t) =>
      parseThreshold(t),
    ),
    r,
  );
  assert.equal(kpis.passed, true);
  assert.equal(kpis.actual, 700);
  assert.equal(products.passed, false);
  assert.equal(missing.passed, false);
  assert.match(missing.message, /no e2e of view sessions was measured/);
  assert.throws(() => parseThreshold('e2e.kpis.p97<1s'), /unknown metric 'e2e\.kpis\.p97'/);
});

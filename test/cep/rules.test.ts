import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCep, loadPatternFiles, defaultPatternDir, parsePatterns } from '../../src/cep/index.js';
import type { Alert, ViewResult } from '../../src/events/results.js';

function result(
  view: string,
  start: number,
  fields: ViewResult['fields'],
  emit: 'final' | 'early' = 'final',
): ViewResult {
  return {
    view,
    key: '',
    window_start: start,
    window_end: start + 5000,
    emit,
    emitted_at: 0,
    watermark: start + 5000,
    last_intended_send_time: start + 4999,
    event_count: 1,
    fields,
  };
}

test('high bounce rate fires above 80 % with enough sessions, once per window, on final results only', () => {
  const alerts: Alert[] = [];
  const defs = loadPatternFiles([defaultPatternDir()]).filter((d) => d.name === 'high_bounce_rate');
  const cep = createCep(defs, { alert: (a) => alerts.push(a) });
  cep.onViewResult(result('realtime', 0, { bounce_rate: 0.9, sessions_ended: 20 }, 'early'), 1);
  cep.onViewResult(result('realtime', 0, { bounce_rate: 0.9, sessions_ended: 20 }), 2);
  cep.onViewResult(result('realtime', 0, { bounce_rate: 0.9, sessions_ended: 20 }), 3);
  cep.onViewResult(result('realtime', 5000, { bounce_rate: 0.8, sessions_ended: 20 }), 4);
  cep.onViewResult(result('realtime', 10_000, { bounce_rate: 0.95, sessions_ended: 9 }), 5);
  cep.onViewResult(result('kpis', 15_000, { bounce_rate: 0.95, sessions_ended: 50 }), 6);
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0].pattern, 'high_bounce_rate');
  assert.equal(alerts[0].message, 'bounce rate 90.0% over 20 sessions in the 5 s window');
  assert.equal(alerts[0].detected_at, 2);
  assert.equal(alerts[0].trigger_intended_send_time, 4999);
  assert.equal(alerts[0].first_event_time, 0);
  assert.equal(alerts[0].last_event_time, 5000);
});

test('z-score anomaly: compared with mean and sample stddev of the previous N windows, computed here', () => {
  const alerts: Alert[] = [];
  const cep = createCep(
    parsePatterns(
      `RULE spike ON realtime BASELINE events OVER 5 WINDOWS WHERE samples >= 3 AND abs(zscore) > 3 MESSAGE '{value} {zscore}'`,
    ),
    { alert: (a) => alerts.push(a) },
  );
  const series = [100, 104, 98, 101, 99, 102, 40, 100, 103, 99, 101, 100, 102, 160, 101];
  const expected: number[] = [];
  series.forEach((v, i) => {
    const prev = series.slice(Math.max(0, i - 5), i);
    if (prev.length >= 3) {
      const mean = prev.reduce((s, x) => s + x, 0) / prev.length;
      const sd = Math.sqrt(prev.reduce((s, x) => s + (x - mean) ** 2, 0) / (prev.length - 1));
      if (Math.abs((v - mean) / sd) > 3) expected.push(i);
    }
    cep.onViewResult(result('realtime', i * 5000, { events: v }), 0);
  });
  assert.deepEqual(
    alerts.map((a) => a.first_event_time / 5000),
    expected,
  );
  assert.ok(expected.length >= 2, 'the series has both a spike and a drop');
});

test('a rule reading a field its view lacks warns once and counts', () => {
  const warnings: string[] = [];
  const cep = createCep(parsePatterns(`RULE r ON realtime WHERE bounce_rat > 0.8`, 'r.cep'), {
    alert: () => assert.fail(),
    warn: (m) => warnings.push(m),
  });
  cep.onViewResult(result('realtime', 0, { bounce_rate: 1 }), 0);
  cep.onViewResult(result('realtime', 5000, { bounce_rate: 1 }), 0);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /r\.cep:1.*no field 'bounce_rat'.*bounce_rate/);
  assert.equal(cep.stats().ruleMissingFields, 2);
});

test('rule baselines survive snapshot and restore', () => {
  const defs = parsePatterns(
    `RULE spike ON realtime BASELINE events OVER 4 WINDOWS WHERE samples >= 4 AND zscore > 3`,
  );
  const alerts: Alert[] = [];
  const a = createCep(defs, { alert: (x) => alerts.push(x) });
  [10, 11, 9, 10].forEach((v, i) => a.onViewResult(result('realtime', i * 5000, { events: v }), 0));
  const b = createCep(defs, { alert: (x) => alerts.push(x) }, {}, JSON.parse(JSON.stringify(a.snapshot())));
  b.onViewResult(result('realtime', 20_000, { events: 50 }), 0);
  assert.equal(alerts.length, 1);
});

/** z-score of `v` against `prev` as docs/patterns.md defines it, with IEEE division: flat → ±∞ (0 if equal). */
function zscore(prev: number[], v: number): number {
  const mean = prev.reduce((s, x) => s + x, 0) / prev.length;
  const sd = Math.sqrt(prev.reduce((s, x) => s + (x - mean) ** 2, 0) / (prev.length - 1));
  const z = (v - mean) / sd;
  return Number.isNaN(z) ? 0 : z;
}

test('traffic_anomaly fires at the onset of a burst after a flat baseline (z = +∞) and at the drop back (z = −∞)', () => {
  const alerts: Alert[] = [];
  const defs = loadPatternFiles([defaultPatternDir()]).filter((d) => d.name === 'traffic_anomaly');
  const cep = createCep(defs, { alert: (a) => alerts.push(a) });
  // A perfectly regular schedule: 1,000 events per window, a 1-minute 4× burst, back to 1,000, a second burst.
  const series = [
    ...Array<number>(12).fill(1000),
    ...Array<number>(12).fill(4000),
    ...Array<number>(12).fill(1000),
    ...Array<number>(3).fill(4000),
  ];
  const expected: { i: number; z: number }[] = [];
  series.forEach((v, i) => {
    const prev = series.slice(Math.max(0, i - 12), i);
    if (prev.length >= 6) {
      const mean = prev.reduce((s, x) => s + x, 0) / prev.length;
      const z = zscore(prev, v);
      if (Math.abs(z) > 3 && Math.abs(v - mean) > 0.2 * mean) expected.push({ i, z });
    }
    cep.onViewResult(result('realtime', i * 5000, { events: v }), 0);
  });
  assert.deepEqual(
    alerts.map((a) => a.first_event_time / 5000),
    expected.map((e) => e.i),
  );
  // Onset of each burst and the drop back, each with an infinite z-score, and each followed by a finite one.
  for (const at of [12, 24, 36])
    assert.ok(
      expected.some((e) => e.i === at && !Number.isFinite(e.z)),
      `${at}`,
    );
  const byWindow = new Map(alerts.map((a) => [a.first_event_time / 5000, a]));
  assert.equal(byWindow.get(12)!.message, '4000 events in the window vs. 1000 ± 0 recently (z-score ∞)');
  assert.equal(byWindow.get(24)!.message, '1000 events in the window vs. 4000 ± 0 recently (z-score -∞)');
  // Alerts go to JSON sinks: an infinite z-score must survive a JSON round trip.
  for (const a of alerts) assert.deepEqual(JSON.parse(JSON.stringify(a)), a);
});

test('infinity stays a number through abs, rounding, comparisons and arithmetic; undefined results are NULL', () => {
  const alerts: Alert[] = [];
  const cep = createCep(
    parsePatterns(
      `RULE r ON realtime BASELINE events OVER 2 WINDOWS WHERE samples >= 2
       MESSAGE '{abs(zscore)} {-zscore} {floor(zscore)} {ceil(zscore)} {round(zscore, 1)} {zscore + 1} {zscore * 2} {zscore - zscore} {zscore * 0} {zscore / zscore} {1 / zscore} {abs(zscore) > 1000000} {zscore = zscore} {fmt_duration(zscore)} {pct(zscore)} {coalesce(zscore - zscore, 7)}'`,
    ),
    { alert: (a) => alerts.push(a) },
  );
  [5, 5, 9].forEach((v, i) => cep.onViewResult(result('realtime', i * 5000, { events: v }), 0));
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0].message, '∞ -∞ ∞ ∞ ∞ ∞ ∞ - - - 0 true true ∞ ∞% 7');
});

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startDashboard, type Dashboard } from '../../src/dashboard/index.js';
import { ManualFeed, alert, health, kpis } from './synthetic.js';

const T0 = 1_700_000_040_000 - (1_700_000_040_000 % 60_000);
let dash: Dashboard;
const feed = new ManualFeed();
const kpiSteps: [number, number, number, number][] = [];

before(async () => {
  dash = await startDashboard({ port: 0, feed, batchIntervalMs: 60_000, staleAfterMs: 60_000 });
});
after(async () => {
  await dash.close();
});

const get = async (path: string, init?: RequestInit) => {
  const res = await fetch(new URL(path, dash.url), init);
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    headers: res.headers,
    text: await res.text(),
  };
};
const getJson = async (path: string) => {
  const r = await get(path);
  return { status: r.status, body: JSON.parse(r.text) };
};

test('/health says no_data (503) until the feed delivers, then ok', async () => {
  const before = await getJson('/health');
  assert.equal(before.status, 503);
  assert.equal(before.body.status, 'no_data');
  feed.health(health(Date.now(), 250, { lag: 17, deadLetters: 3 }));
  const h = await getJson('/health');
  assert.equal(h.status, 200);
  assert.equal(h.body.status, 'ok');
  assert.equal(h.body.feed, 'manual test feed');
  assert.equal(h.body.pipeline.lag, 17);
  assert.equal(typeof h.body.last_update_age_ms, 'number');
});

test('/kpis/latest is 404 before any KPI window, then the newest window', async () => {
  const none = await getJson('/kpis/latest');
  assert.equal(none.status, 404);
  assert.match(none.body.error, /no KPI window/);
  for (let m = 0; m < 45; m++) {
    const steps: [number, number, number, number] = [200 + 3 * m, 50 + m, 20 + (m % 5), 5 + (m % 4)];
    kpiSteps.push(steps);
    feed.result(kpis(T0 + m * 60_000, steps, 100 * (m + 1)));
  }
  feed.result(kpis(T0 + 45 * 60_000, [9, 0, 0, 0], 7, 'early')); // the minute in progress
  const latest = await getJson('/kpis/latest');
  assert.equal(latest.status, 200);
  assert.equal(latest.body.window_start, T0 + 45 * 60_000);
  assert.equal(latest.body.emit, 'early');
  assert.equal(latest.body.revenue, 7);
});

test('/kpis?minutes_back= returns the windows ending within that many minutes of the newest', async () => {
  const r = await getJson('/kpis?minutes_back=30');
  assert.equal(r.status, 200);
  const newestEnd = T0 + 46 * 60_000;
  const expected = [];
  for (let m = 0; m <= 45; m++)
    if (T0 + (m + 1) * 60_000 > newestEnd - 30 * 60_000) expected.push(T0 + m * 60_000);
  assert.deepEqual(
    r.body.windows.map((w: { window_start: number }) => w.window_start),
    expected,
  );
  assert.equal(r.body.windows[0].revenue, 100 * (45 - 30 + 2));
  const dflt = await getJson('/kpis');
  assert.equal(dflt.body.minutes_back, 30);
});

test('/funnel?minutes_back= sums the funnel over the range and recomputes the rates', async () => {
  const r = await getJson('/funnel?minutes_back=5');
  assert.equal(r.status, 200);
  // Reference: the open minute (9 views) plus the last four complete minutes.
  const rows = [...kpiSteps.slice(-4), [9, 0, 0, 0]];
  const sum = [0, 1, 2, 3].map((i) => rows.reduce((s, w) => s + w[i], 0));
  assert.deepEqual(r.body.steps, [
    { step: 'product_views', count: sum[0] },
    { step: 'add_to_cart', count: sum[1] },
    { step: 'checkout', count: sum[2] },
    { step: 'purchase', count: sum[3] },
  ]);
  assert.equal(r.body.rates.view_to_purchase, sum[3] / sum[0]);
  assert.equal(r.body.windows, 5);
});

test('/alerts?limit= returns the newest alerts, optionally by severity', async () => {
  const now = Date.now();
  const sent = Array.from({ length: 12 }, (_, i) =>
    alert(i % 4 === 0 ? 'critical' : 'info', `alert number ${i}`, now + i),
  );
  for (const a of sent) feed.alert(a);
  const r = await getJson('/alerts?limit=5');
  assert.deepEqual(
    r.body.alerts.map((a: { message: string }) => a.message),
    sent
      .slice(-5)
      .reverse()
      .map((a) => a.message),
  );
  const crit = await getJson('/alerts?severity=critical');
  assert.deepEqual(
    crit.body.alerts.map((a: { message: string }) => a.message),
    sent
      .filter((a) => a.severity === 'critical')
      .reverse()
      .map((a) => a.message),
  );
});

test('bad query parameters get 400 with a message naming the parameter and value', async () => {
  for (const [path, pattern] of [
    ['/kpis?minutes_back=abc', /minutes_back must be a positive number, got 'abc'/],
    ['/funnel?minutes_back=-5', /minutes_back must be a positive number, got '-5'/],
    ['/alerts?limit=2.5', /limit must be a whole number, got '2.5'/],
    ['/alerts?limit=100000', /limit must be at most 500/],
    ['/alerts?severity=fatal', /severity must be one of info, warning, critical, got 'fatal'/],
  ] as const) {
    const r = await getJson(path);
    assert.equal(r.status, 400, path);
    assert.match(r.body.error, pattern, path);
  }
  assert.equal((await get('/nope')).status, 404);
  assert.equal((await get('/health', { method: 'POST' })).status, 405);
});

/** An independent reader of the Prometheus text format: name{labels} value lines, HELP/TYPE comments. */
function parseProm(text: string) {
  const types = new Map<string, string>();
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const t = /^# TYPE (\S+) (gauge|counter|summary|histogram|untyped)$/.exec(line);
    if (t) {
      types.set(t[1], t[2]);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a valid sample line: ${line}`);
    const labels: Record<string, string> = {};
    if (m[2])
      for (const kv of m[2].split(',')) {
        const lm = /^([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"$/.exec(kv);
        assert.ok(lm, `bad label ${kv}`);
        labels[lm[1]] = lm[2];
      }
    assert.ok(types.has(m[1]), `sample ${m[1]} without a TYPE line`);
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

test('/metrics is Prometheus text with throughput, lag, latencies and errors from the latest sample', async () => {
  feed.health(
    health(Date.now(), 321.5, {
      lag: 42,
      watermarkLagMs: 2500,
      errorRate: 0.004,
      deadLetters: 9,
      consumed: 5000,
    }),
  );
  const r = await get('/metrics');
  assert.equal(r.status, 200);
  assert.match(r.type, /^text\/plain; version=0\.0\.4/);
  const s = parseProm(r.text);
  const one = (name: string, labels: Record<string, string> = {}) => {
    const found = s.filter(
      (x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v),
    );
    assert.equal(found.length, 1, `${name} ${JSON.stringify(labels)}`);
    return found[0].value;
  };
  assert.equal(one('rtap_throughput_events_per_second'), 321.5);
  assert.equal(one('rtap_consumer_lag_records'), 42);
  assert.equal(one('rtap_watermark_lag_seconds'), 2.5);
  assert.equal(one('rtap_error_ratio'), 0.004);
  assert.equal(one('rtap_dead_letters_total'), 9);
  assert.equal(one('rtap_events_consumed_total'), 5000);
  // synthetic health: e2e p99 3400 ms, ingest p95 5 ms
  assert.equal(one('rtap_latency_seconds', { stage: 'e2e', quantile: '0.99' }), 3.4);
  assert.equal(one('rtap_latency_seconds', { stage: 'ingest', quantile: '0.95' }), 0.005);
  assert.equal(one('rtap_dashboard_alerts_total', { severity: 'critical' }), 3);
  assert.equal(one('rtap_dashboard_clients'), 0);
});

test('/metrics has every sink’s written, retried, failed counters and buffered gauge, labelled by sink', async () => {
  feed.health(
    health(Date.now(), 10, {
      sinks: {
        influx: { written: 4992, retried: 2041, buffered: 12, failed: 1, requests: 85 },
        'jsonl:/tmp/r "x".jsonl': { written: 7, retried: 0, buffered: 0, failed: 0 },
      },
    }),
  );
  const s = parseProm((await get('/metrics')).text);
  const values = (name: string) =>
    Object.fromEntries(s.filter((x) => x.name === name).map((x) => [x.labels.sink, x.value]));
  const jsonl = 'jsonl:/tmp/r \\"x\\".jsonl'; // the label value as escaped in the text format
  assert.deepEqual(values('rtap_sink_written_total'), { influx: 4992, [jsonl]: 7 });
  assert.deepEqual(values('rtap_sink_retried_total'), { influx: 2041, [jsonl]: 0 });
  assert.deepEqual(values('rtap_sink_failed_total'), { influx: 1, [jsonl]: 0 });
  assert.deepEqual(values('rtap_sink_buffered'), { influx: 12, [jsonl]: 0 });
  assert.match((await get('/metrics')).text, /# TYPE rtap_sink_buffered gauge\n/);
  assert.match((await get('/metrics')).text, /# TYPE rtap_sink_retried_total counter\n/);
});

test('the page and uPlot are served from the package with a strict content security policy', async () => {
  const page = await get('/');
  assert.equal(page.status, 200);
  assert.match(page.type, /text\/html/);
  assert.match(page.text, /vendor\/uPlot\.iife\.min\.js/);
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  const lib = await get('/vendor/uPlot.iife.min.js');
  assert.equal(lib.status, 200);
  assert.match(lib.text, /uPlot/);
  assert.equal((await get('/vendor/uPlot.min.css')).status, 200);
  assert.equal((await get('/../package.json')).status, 404);
  assert.equal((await get('/%2e%2e/package.json')).status, 404);
});

test('with a token every endpoint requires it (query, bearer header or X-Rtap-Token)', async () => {
  const f = new ManualFeed();
  const d = await startDashboard({ port: 0, feed: f, token: 's3cret' });
  try {
    const url = (p: string) => new URL(p, d.url);
    for (const p of ['/', '/health', '/metrics', '/kpis/latest', '/app.js'])
      assert.equal((await fetch(url(p))).status, 401, p);
    assert.equal((await fetch(url('/kpis?token=wrong'))).status, 401);
    assert.equal((await fetch(url('/kpis?token=s3cret'))).status, 200);
    assert.equal((await fetch(url('/kpis'), { headers: { authorization: 'Bearer s3cret' } })).status, 200);
    assert.equal((await fetch(url('/kpis'), { headers: { 'x-rtap-token': 's3cret' } })).status, 200);
  } finally {
    await d.close();
  }
  assert.equal(f.subscribers, 0, 'close() unsubscribes from the feed');
});

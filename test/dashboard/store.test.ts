import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DashboardStore } from '../../src/dashboard/store.js';
import { VirtualClock } from '../../src/time/clock.js';
import { alert, business, health, kpis, realtime, result } from './synthetic.js';

const T0 = 1_700_000_000_000;

test('tiles show the last complete window and its change against the window before', () => {
  const s = new DashboardStore({ feed: 'test' });
  s.onResult(realtime(T0 - 5000, 30, 10, 1, 1)); // the first window: the data began inside it
  s.onResult(realtime(T0, 100, 40, 2, 10));
  s.onResult(realtime(T0 + 5000, 150, 55, 9, 10));
  s.onResult(realtime(T0 + 10_000, 20, 5, 0, 0, 'early')); // the open window must not replace the last complete one
  const tiles = Object.fromEntries(s.tiles().map((t) => [t.id, t]));
  assert.equal(tiles.page_views_per_sec.value, 150 / 5);
  assert.equal(tiles.page_views_per_sec.previous, 100 / 5);
  assert.equal(tiles.page_views_per_sec.partial, false);
  assert.equal(tiles.page_views_per_sec.window_end, T0 + 10_000);
  assert.equal(tiles.bounce_rate.better, 'down', 'a rising bounce rate is bad news');
  assert.equal(tiles.page_views_per_sec.better, undefined);
  assert.equal(tiles.active_users.value, 55);
  assert.equal(tiles.bounce_rate.value, 0.9);
  assert.equal(tiles.bounce_rate.previous, 0.2);
  assert.equal(tiles.revenue.value, null, 'no kpis result yet');
});

test('no change is shown against the first window, which the data began inside', () => {
  const s = new DashboardStore({ feed: 'test' });
  s.onResult(kpis(T0, [10, 2, 1, 1], 30)); // a run started late in this minute: few events
  s.onResult(kpis(T0 + 60_000, [100, 20, 10, 5], 400));
  const revenue = s.tiles().find((t) => t.id === 'revenue')!;
  assert.equal(revenue.value, 400);
  assert.equal(revenue.previous, null, 'not ▲1233% against a partial minute');
  assert.match(revenue.note ?? '', /first, partial/);
  s.onResult(kpis(T0 + 120_000, [100, 20, 10, 5], 500));
  const next = s.tiles().find((t) => t.id === 'revenue')!;
  assert.deepEqual([next.value, next.previous, next.note], [500, 400, undefined]);
});

test('revenue and order value are converted into the reporting currency, never added as they are', () => {
  // 100 USD + 9,200 JPY + 46 EUR: at the default table (1 USD = 151 JPY = 0.92 EUR) 100 + 60.93 + 50.
  const byCurrency = { USD: 100, JPY: 9200, EUR: 46 };
  const usd = 100 + 9200 / 151 + 46 / 0.92;
  const s = new DashboardStore({ feed: 'test' });
  s.onResult(kpis(T0, [10, 4, 2, 2], 0, 'final', byCurrency));
  const tiles = Object.fromEntries(s.tiles().map((t) => [t.id, t]));
  assert.ok(Math.abs(tiles.revenue.value! - usd) < 1e-9, `${tiles.revenue.value} vs ${usd}`);
  assert.ok(Math.abs(tiles.aov.value! - usd / 2) < 1e-9);
  assert.equal(tiles.revenue.currency, 'USD');
  const latest = s.kpisLatest()!;
  assert.deepEqual(latest.revenue_by_currency, byCurrency, 'the split is kept');
  assert.equal(latest.currency, 'USD');
  // Another reporting currency and table: 1 EUR = 1.25 USD = 160 JPY; a currency it lacks stays apart.
  const eur = new DashboardStore({
    feed: 'test',
    money: { table: { base: 'EUR', rates: { EUR: 1, USD: 1.25, JPY: 160 } }, currency: 'EUR' },
  });
  eur.onResult(kpis(T0, [10, 4, 2, 2], 0, 'final', { ...byCurrency, BRL: 10 }));
  const k = eur.kpisLatest()!;
  assert.ok(Math.abs(k.revenue! - (100 / 1.25 + 9200 / 160 + 46)) < 1e-9);
  assert.deepEqual(k.unconverted_revenue, { BRL: 10 });
});

test('before the first window closes a tile shows the open window, marked partial', () => {
  const s = new DashboardStore({ feed: 'test' });
  s.onResult(kpis(T0, [10, 4, 2, 1], 80, 'early'));
  s.onResult(kpis(T0, [20, 6, 3, 2], 150, 'early'));
  const aov = s.tiles().find((t) => t.id === 'aov')!;
  assert.equal(aov.value, 75);
  assert.equal(aov.partial, true);
  assert.equal(aov.previous, null);
  s.onResult(kpis(T0, [22, 6, 3, 2], 160, 'final'));
  const after = s.tiles().find((t) => t.id === 'aov')!;
  assert.deepEqual([after.value, after.partial], [80, false]);
});

test('results of other views and keyed results do not touch the tiles', () => {
  const s = new DashboardStore({ feed: 'test' });
  s.onResult(result('products.tumbling', T0, 300_000, { views: 3 }, 'final', 'prod-1'));
  s.onResult({ ...realtime(T0, 100, 40, 2, 10), key: 'some-key' });
  assert.ok(s.tiles().every((t) => t.value === null));
  assert.equal(s.counts.ignoredResults, 2);
});

test('KPI history upserts per window (a final replaces an early, never the reverse) and answers minutes_back from the newest window', () => {
  const s = new DashboardStore({ feed: 'test' });
  const windows: [number, number, number, number][] = [];
  for (let m = 0; m < 40; m++) {
    const steps: [number, number, number, number] = [100 + m, 30 + (m % 7), 10 + (m % 3), 3 + (m % 2)];
    windows.push(steps);
    s.onResult(kpis(T0 + m * 60_000, [1, 1, 1, 1], 1, 'early'));
    s.onResult(kpis(T0 + m * 60_000, steps, m * 10, 'final'));
    s.onResult(kpis(T0 + m * 60_000, [0, 0, 0, 0], 0, 'early')); // a straggling early after the final
  }
  assert.equal(s.kpisLatest()!.window_start, T0 + 39 * 60_000);
  assert.equal(s.kpisLatest()!.emit, 'final');
  const last30 = s.kpis(30);
  assert.deepEqual(
    last30.map((r) => r.window_start),
    Array.from({ length: 30 }, (_, i) => T0 + (10 + i) * 60_000),
  );

  // Independent reference: sum the last 5 windows' steps by hand.
  const ref = [0, 1, 2, 3].map((i) => windows.slice(-5).reduce((sum, w) => sum + w[i], 0));
  const f = s.funnel(5);
  assert.equal(f.windows, 5);
  assert.deepEqual(
    f.steps.map((x) => x.count),
    ref,
  );
  assert.equal(f.rates.view_to_cart, ref[1] / ref[0]);
  assert.equal(f.rates.cart_to_checkout, ref[2] / ref[1]);
  assert.equal(f.rates.checkout_to_purchase, ref[3] / ref[2]);
  assert.equal(f.rates.view_to_purchase, ref[3] / ref[0]);
  assert.equal(f.from, T0 + 35 * 60_000);
  assert.equal(f.to, T0 + 40 * 60_000);
});

test('KPI history is bounded to its capacity, keeping the newest windows', () => {
  const s = new DashboardStore({ feed: 'test', kpiWindows: 10 });
  for (let m = 0; m < 25; m++) s.onResult(kpis(T0 + m * 60_000, [1, 0, 0, 0], 0));
  const all = s.kpis(10_000);
  assert.equal(all.length, 10);
  assert.equal(all[0].window_start, T0 + 15 * 60_000);
  s.onResult(kpis(T0, [5, 0, 0, 0], 0)); // older than everything kept: dropped
  assert.equal(s.kpis(10_000)[0].window_start, T0 + 15 * 60_000);
});

test('alerts are deduplicated by id, bounded, newest first, filterable by severity', () => {
  const s = new DashboardStore({ feed: 'test', alerts: 20 });
  const sent = [];
  for (let i = 0; i < 30; i++) {
    const a = alert((['info', 'warning', 'critical'] as const)[i % 3], `alert ${i}`, T0 + i);
    sent.push(a);
    s.onAlert(a);
  }
  s.onAlert(sent[29]); // redelivered
  assert.equal(s.counts.duplicateAlerts, 1);
  assert.equal(s.counts.alerts, 30);
  const newest = s.alerts(100);
  assert.equal(newest.length, 20);
  assert.deepEqual(
    newest.map((a) => a.message),
    sent
      .slice(10)
      .reverse()
      .map((a) => a.message),
  );
  const critical = s.alerts(3, 'critical');
  assert.deepEqual(
    critical.map((a) => a.message),
    sent
      .filter((a) => a.severity === 'critical')
      .slice(-3)
      .reverse()
      .map((a) => a.message),
  );
  const warnUp = s.alerts(100, 'warning');
  assert.ok(warnUp.every((a) => a.severity !== 'info'));
  assert.equal(warnUp.length, sent.slice(10).filter((a) => a.severity !== 'info').length);
  // An alert evicted from the ring may be seen again later (its id left the dedup set with it).
  s.onAlert(sent[0]);
  assert.equal(s.alerts(1)[0].alert_id, sent[0].alert_id);
});

test('deltas carry only what changed since the previous batch; the series stay bounded and ordered', () => {
  const s = new DashboardStore({ feed: 'test', trafficPoints: 12, healthPoints: 5 });
  assert.equal(s.takeDelta(), null);
  for (let i = 0; i < 20; i++) s.onResult(realtime(T0 + i * 5000, 100 + i, 10, 0, 0));
  const d1 = s.takeDelta()!;
  assert.equal(d1.traffic!.length, 20);
  assert.ok(d1.tiles);
  assert.equal(d1.alerts, undefined);
  assert.equal(s.takeDelta(), null, 'nothing new');
  s.onResult(realtime(T0 + 19 * 5000, 999, 10, 0, 0)); // re-emission of the newest window replaces its point
  s.onResult(realtime(T0 + 20 * 5000, 300, 10, 0, 0));
  const d2 = s.takeDelta()!;
  assert.deepEqual(
    d2.traffic!.map((p) => [p.t, p.page_views_per_sec]),
    [
      [T0 + 20 * 5000, 999 / 5],
      [T0 + 21 * 5000, 300 / 5],
    ],
  );
  const series = s.snapshot().series.traffic;
  assert.equal(series.length, 12);
  assert.deepEqual(
    series.map((p) => p.t),
    Array.from({ length: 12 }, (_, i) => T0 + (10 + i) * 5000),
  );
  assert.equal(series[10].page_views_per_sec, 999 / 5);
  for (let i = 0; i < 9; i++) s.onHealth(health(T0 + i * 1000, i));
  assert.deepEqual(
    s.snapshot().series.health.map((p) => p.throughput),
    [4, 5, 6, 7, 8],
  );
});

test('top content and geography follow the newest business window, final over early', () => {
  const s = new DashboardStore({ feed: 'test' });
  s.onResult(business(T0, 10, 1, [['/a', 5]], { US: 3, DE: 7 }, 'early'));
  let snap = s.snapshot();
  assert.deepEqual(snap.top!.pages, [{ key: '/a', views: 5 }]);
  assert.deepEqual(snap.geo!.countries, [
    { country: 'DE', events: 7 },
    { country: 'US', events: 3 },
  ]);
  assert.equal(snap.geo!.partial, true);
  s.onResult(business(T0, 10, 1, [['/b', 9]], { FR: 1 }, 'final'));
  s.onResult(business(T0 - 60_000, 10, 1, [['/old', 99]], { XX: 1 }, 'final')); // an older window: ignored for lists
  snap = s.snapshot();
  assert.deepEqual(snap.top!.pages, [{ key: '/b', views: 9 }]);
  assert.equal(snap.top!.partial, false);
});

test('the age of the data follows the clock from the last delivery', async () => {
  const clock = new VirtualClock(T0);
  const s = new DashboardStore({ feed: 'test', clock });
  assert.equal(s.ageMs(), null);
  s.onHealth(health(T0, 1));
  await clock.advance(2500);
  assert.equal(s.ageMs(), 2500);
});

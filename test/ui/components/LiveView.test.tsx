import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import chalk from 'chalk';
import { cleanup, render } from 'ink-testing-library';
import { LiveView } from '../../../src/ui/components/LiveView.js';
import {
  ANSI,
  alert,
  counters,
  FakePipeline,
  settle,
  snapshot,
  viewResult,
  waitForFrame,
} from '../helpers.js';

afterEach(() => cleanup());

function mount(extra: Partial<React.ComponentProps<typeof LiveView>> = {}) {
  const feed = new FakePipeline();
  const app = render(
    <LiveView
      title="rtap run"
      subtitle="embedded in-process log"
      stats={feed}
      outputs={feed}
      refreshMs={5}
      color={false}
      width={100}
      {...extra}
    />,
  );
  return { feed, app, frame: () => app.lastFrame() ?? '' };
}

describe('LiveView', () => {
  it('shows throughput, lag per partition, watermark lag and latency from the latest snapshot, and updates them', async () => {
    const { feed, frame } = mount();
    assert.match(frame(), /waiting for the first sample/);
    feed.emit(
      'snapshot',
      snapshot({
        uptimeS: 3,
        producedPerSec: 200,
        consumedPerSec: 190,
        resultsPerSec: 12,
        alertsPerSec: 0,
        lag: {
          total: 5,
          partitions: { 'website-analytics-events/0': 2, 'website-analytics-events/1': 3, 'orders/0': 0 },
        },
        watermark: 1_699_999_998_000,
        watermarkLagMs: 2000,
        latency: {
          ingest: { count: 190, p50: 1.2, p99: 7, max: 9 },
          e2e: { count: 3, p50: 3100, p99: 4200, max: 4300 },
        },
        counters: counters({ consumed: 570, results: 36, alerts: 0 }),
      }),
    );
    const f1 = await waitForFrame(frame, /sent 200/);
    assert.match(f1, /sent 200\/s\s+in 190\/s\s+out 12\/s/);
    assert.match(f1, /orders\[0\] events\[2 3\]/);
    assert.match(f1, /watermark\s+2s behind now/);
    assert.match(f1, /ingest p50 1\.2ms p99 7ms\s+e2e p50 3\.1s p99 4\.2s/);
    assert.match(f1, /consumed 570\s+results 36/);
    assert.match(f1, /00:03/);

    feed.emit(
      'snapshot',
      snapshot({ uptimeS: 4, consumedPerSec: 2500, counters: counters({ consumed: 3070, results: 40 }) }),
    );
    const f2 = await waitForFrame(frame, /in 2,500/);
    assert.match(f2, /in 2,500\/s/);
    assert.match(f2, /consumed 3,070\s+results 40/);
    assert.doesNotMatch(f2, /in 190\/s/);
  });

  it('stays shorter than the terminal, dropping the least wanted rows (ink clears the scrollback otherwise)', async () => {
    const { feed, frame } = mount({ width: 120, height: 7 });
    feed.emit('snapshot', snapshot({ counters: counters({ consumed: 570 }) }));
    feed.emit(
      'result',
      viewResult('business', 1_700_000_040_000, 'early', {
        top_pages: ['/a', '/b', '/c', '/d', '/e'].map((key, i) => ({ key, views: 10 - i })),
      }),
    );
    const f = await waitForFrame(frame, /consumed 570/);
    const lines = f.split('\n');
    assert.ok(lines.length < 7, `${lines.length} lines on a 7-row terminal:\n${f}`);
    // Title, then the most wanted rows; the top pages and users went first.
    assert.match(f, /throughput/);
    assert.match(f, /latency/);
    assert.doesNotMatch(f, /top pages/);
    // A tall terminal shows everything, the top pages one per line.
    cleanup();
    const tall = mount({ width: 120, height: 40 });
    tall.feed.emit('snapshot', snapshot({ counters: counters({ consumed: 571 }) }));
    tall.feed.emit(
      'result',
      viewResult('business', 1_700_000_040_000, 'early', {
        top_pages: ['/a', '/b', '/c', '/d', '/e'].map((key, i) => ({ key, views: 10 - i })),
      }),
    );
    const t = await waitForFrame(tall.frame, /5\. \/e/);
    assert.match(t, /users/);
    assert.match(t, /watermark/);
  });

  it('prints alerts as finished lines above the live area, in arrival order', async () => {
    const { feed, frame } = mount();
    feed.emit('snapshot', snapshot());
    feed.emit(
      'alert',
      alert('fraud_multi_country', 'critical', 'u-42', 'user u-42 purchased from 2 countries'),
    );
    feed.emit('alert', alert('high_bounce_rate', 'warning', '', 'bounce rate 81% over 5 minutes'));
    const f = await waitForFrame(frame, /WARN high_bounce_rate/);
    const first = f.indexOf('CRIT fraud_multi_country u-42  user u-42 purchased from 2 countries');
    const second = f.indexOf('WARN high_bounce_rate');
    const live = f.indexOf('throughput');
    assert.ok(first >= 0 && second > first && live > second, f);
  });

  it('caps the alert lines of one frame and counts the rest', async () => {
    const { feed, frame } = mount({ maxAlertLinesPerFrame: 3 });
    for (let i = 0; i < 10; i++) feed.emit('alert', alert('traffic_spike', 'info', `k${i}`));
    const f = await waitForFrame(frame, /more alerts not shown/);
    assert.equal(f.match(/INFO traffic_spike/g)?.length, 3);
    assert.match(f, /and 7 more alerts not shown/);
  });

  it('shows top pages of the newest business window and active users of the last complete realtime window', async () => {
    const { feed, frame } = mount({ width: 120 });
    feed.emit('snapshot', snapshot());
    const minute = 1_700_000_040_000;
    feed.emit(
      'result',
      viewResult('business', minute - 60_000, 'final', {
        active_users: 900,
        top_pages: [{ key: '/old', views: 999 }],
      }),
    );
    feed.emit(
      'result',
      viewResult('business', minute, 'early', {
        active_users: 321,
        top_pages: [
          { key: '/home', views: 120 },
          { key: '/products/42', views: 80 },
          { key: '/cart', views: 30 },
        ],
      }),
    );
    // A late final of the older minute must not replace the running newer one.
    feed.emit(
      'result',
      viewResult('business', minute - 60_000, 'final', {
        active_users: 901,
        top_pages: [{ key: '/old', views: 1000 }],
      }),
    );
    feed.emit(
      'result',
      viewResult('realtime', minute, 'final', { active_users: 57, page_views_per_sec: 11.4 }, 5000),
    );
    feed.emit(
      'result',
      viewResult('realtime', minute + 5000, 'early', { active_users: 3, page_views_per_sec: 0.6 }, 5000),
    );
    const f = await waitForFrame(frame, /page views 11/);
    const lines = f.split('\n');
    const rank = (key: string) => lines.findIndex((l) => l.includes(key));
    assert.ok(
      rank('1. /home') >= 0 &&
        rank('2. /products/42') > rank('1. /home') &&
        rank('3. /cart') > rank('2. /products/42'),
      f,
    );
    assert.doesNotMatch(f, /\/old/);
    assert.match(f, /57 \(last 5s window\)\s+321 \(this minute\)\s+page views 11\.4\/s/);
  });

  it('fits a narrow terminal: every line within the width, one short fact per line', async () => {
    const { feed, frame } = mount({ width: 40 });
    feed.emit(
      'snapshot',
      snapshot({
        consumedPerSec: 1234,
        lag: {
          total: 12,
          partitions: Object.fromEntries(
            Array.from({ length: 12 }, (_, i) => [`website-analytics-events/${i}`, i]),
          ),
        },
        latency: { ingest: { count: 1, p50: 1, p99: 2, max: 3 }, e2e: { count: 1, p50: 1, p99: 2, max: 3 } },
        counters: counters({ alerts: 4 }),
      }),
    );
    feed.emit(
      'result',
      viewResult('business', 0, 'early', {
        top_pages: [{ key: '/a-very-long-page-url/that/does/not/fit/at/all', views: 5 }],
      }),
    );
    await waitForFrame(frame, /alerts 4/);
    const lines = frame().split('\n');
    for (const l of lines) assert.ok(l.length <= 40, `too wide (${l.length}): ${l}`);
    const f = frame();
    assert.match(f, /in 1,234\/s/);
    assert.match(f, /lag 12/);
    assert.match(f, /alerts 4/);
  });

  it('collapses per-partition lag to totals and the worst partition when the list does not fit', async () => {
    const { feed, frame } = mount({ width: 70 });
    const partitions: Record<string, number> = {};
    for (let i = 0; i < 12; i++) partitions[`website-analytics-events/${i}`] = i === 7 ? 5000 : 100 + i;
    feed.emit('snapshot', snapshot({ lag: { total: 6166, partitions } }));
    await waitForFrame(frame, /max p7/);
    // Σ = 100+101+...+111 except p7 (107), plus 5000.
    const expectedTotal = Array.from({ length: 12 }, (_, i) => (i === 7 ? 5000 : 100 + i)).reduce(
      (a, b) => a + b,
      0,
    );
    assert.match(
      frame(),
      new RegExp(`events Σ${String(expectedTotal).replace(/\B(?=(\d{3})+(?!\d))/g, ',')} max p7=5,000`),
    );
  });

  it('has no escape codes with colour off, and styles with colour on', async () => {
    const level = chalk.level;
    chalk.level = 1;
    try {
      const off = mount({ color: false });
      off.feed.emit('snapshot', snapshot());
      off.feed.emit('alert', alert('fraud_velocity', 'critical', 'u-1'));
      await waitForFrame(off.frame, /CRIT/);
      assert.doesNotMatch(off.frame(), ANSI);
      cleanup();
      const on = mount({ color: true });
      on.feed.emit('snapshot', snapshot());
      on.feed.emit('alert', alert('fraud_velocity', 'critical', 'u-1'));
      await waitForFrame(on.frame, /fraud_velocity/);
      assert.match(on.frame(), ANSI);
    } finally {
      chalk.level = level;
    }
  });

  it('redraws at most once per refresh interval however many samples arrive', async () => {
    const { feed, app } = mount({ refreshMs: 200 });
    await settle(20);
    const before = app.frames.length;
    for (let i = 0; i < 50; i++) feed.emit('snapshot', snapshot({ uptimeS: i, consumedPerSec: i }));
    await settle(450);
    const redraws = app.frames.length - before;
    assert.ok(redraws >= 1 && redraws <= 3, `expected 1-3 redraws, got ${redraws}`);
    assert.match(app.lastFrame() ?? '', /in 49\/s/);
  });

  it('calls onQuit on q and onInterrupt on Ctrl-C', async () => {
    let quit = 0;
    let interrupted = 0;
    const { app } = mount({ keys: true, onQuit: () => quit++, onInterrupt: () => interrupted++ });
    await settle(10);
    app.stdin.write('q');
    app.stdin.write('\u0003');
    await settle(10);
    assert.equal(quit, 1);
    assert.equal(interrupted, 1);
    assert.match(app.lastFrame() ?? '', /q quit/);
  });
});

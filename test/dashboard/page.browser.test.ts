import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDashboard } from '../../src/dashboard/index.js';
import { CHROMIUM_ARGS } from '../services/browser.js';
import { ManualFeed, alert, business, health, kpis, realtime } from './synthetic.js';

let browser: Browser;
const shots = mkdtempSync(join(tmpdir(), 'rtap-dashboard-'));

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.RTAP_CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
});
after(async () => {
  await browser?.close();
});

/** A page that fails the test on any script error or CSP violation. */
async function open(url: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  await page.goto(url);
  return { page, problems };
}

test('event fields containing markup render as text and never execute', async () => {
  const feed = new ManualFeed();
  const dash = await startDashboard({ port: 0, feed, batchIntervalMs: 100 });
  const evil = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
  const t0 = 1_700_000_000_000;
  try {
    const { page, problems } = await open(dash.url);
    feed.alert(alert('critical', `user ${evil} bought`, Date.now(), 'fraud_velocity', `<b>user</b>`));
    feed.result(business(t0, 10, 1, [[`/search?q=${evil}`, 12]], { [`<i>XX</i>`]: 5 }));
    const message = page.getByTestId('alert-message').first();
    await message.waitFor();
    assert.equal(await message.textContent(), `user ${evil} bought`);
    assert.equal(
      await page.getByTestId('top-page').first().locator('.name').textContent(),
      `/search?q=${evil}`,
    );
    assert.equal(await page.getByTestId('geo-row').first().locator('.name').textContent(), '<i>XX</i>');
    // The markup stayed text: no element was created from it and nothing ran.
    assert.equal(await page.locator('main script, main img, main b, main i').count(), 0);
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await dash.close();
  }
});

test('the severity filter hides alerts below the chosen severity', async () => {
  const feed = new ManualFeed();
  const dash = await startDashboard({ port: 0, feed, batchIntervalMs: 100 });
  try {
    const { page } = await open(dash.url);
    const now = Date.now();
    feed.alert(alert('info', 'an info alert', now));
    feed.alert(alert('warning', 'a warning alert', now + 1));
    feed.alert(alert('critical', 'a critical alert', now + 2));
    await page.getByTestId('alert-item').nth(2).waitFor();
    const messages = () => page.getByTestId('alert-message').allTextContents();
    assert.deepEqual(await messages(), ['a critical alert', 'a warning alert', 'an info alert']);
    await page.getByTestId('severity-filter').selectOption('warning');
    assert.deepEqual(await messages(), ['a critical alert', 'a warning alert']);
    await page.getByTestId('severity-filter').selectOption('critical');
    assert.deepEqual(await messages(), ['a critical alert']);
    await page.close();
  } finally {
    await dash.close();
  }
});

test('the page shows reconnecting when the server goes away and goes live again when it returns', async () => {
  const feed = new ManualFeed();
  let dash = await startDashboard({ port: 0, feed, batchIntervalMs: 100 });
  const port = dash.port;
  try {
    const { page } = await open(dash.url);
    feed.health(health(Date.now(), 100));
    const badge = page.getByTestId('badge');
    await page.waitForFunction(() => document.querySelector('[data-testid=badge]')?.textContent === 'live');
    await dash.close();
    await page.waitForFunction(
      () => document.querySelector('[data-testid=badge]')?.textContent === 'reconnecting',
    );
    dash = await startDashboard({ port, feed, batchIntervalMs: 100 });
    feed.result(realtime(1_700_000_000_000, 500, 42, 0, 0));
    feed.health(health(Date.now(), 100));
    await page.waitForFunction(
      () => document.querySelector('[data-testid=badge]')?.textContent === 'live',
      undefined,
      { timeout: 15_000 },
    );
    assert.equal(await badge.textContent(), 'live');
    await page.getByTestId('tile-value-active_users').filter({ hasText: '42' }).waitFor();
    assert.match((await page.getByTestId('age').textContent()) ?? '', /updated/);
    await page.close();
  } finally {
    await dash.close();
  }
});

test('a synthetic full page renders every panel (screenshot)', async () => {
  const feed = new ManualFeed();
  const dash = await startDashboard({ port: 0, feed, batchIntervalMs: 100 });
  try {
    const now = Date.now();
    const t0 = now - (now % 5000) - 300_000;
    for (let i = 0; i < 60; i++) feed.result(realtime(t0 + i * 5000, 400 + (i % 7) * 20, 150 + i, 3, 10));
    for (let m = 0; m < 5; m++) feed.result(kpis(t0 + m * 60_000, [500, 120, 60, 30], 1500 + m * 100));
    feed.result(
      business(
        t0 + 240_000,
        900,
        40,
        [
          ['/home', 120],
          ['/products/42', 80],
        ],
        { US: 300, DE: 120, FR: 90 },
      ),
    );
    for (let s = 0; s < 30; s++) feed.health(health(now - (30 - s) * 1000, 300 + s));
    const { page, problems } = await open(dash.url);
    await page.getByTestId('funnel-product_views').waitFor();
    assert.equal(await page.getByTestId('tile-value-active_users').textContent(), '209');
    assert.equal(await page.getByTestId('tile-value-revenue').textContent(), '1,900.00');
    assert.equal(await page.locator('#chart-traffic canvas').count(), 1);
    assert.equal(await page.locator('#chart-health canvas').count(), 1);
    await page.screenshot({ path: join(shots, 'synthetic.png'), fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await dash.close();
  }
});

test('charts and tiles read right: labels not clipped, whole-second clock ticks, log latency axis, deltas coloured by meaning (screenshot)', async () => {
  const feed = new ManualFeed();
  const dash = await startDashboard({ port: 0, feed, batchIntervalMs: 100 });
  try {
    const now = Date.now();
    const t0 = now - (now % 60_000) - 240_000;
    // Bounce rate rises from 20 % to 90 %: bad news, red. The first window is partial: no change from it.
    feed.result(realtime(t0, 30, 10, 1, 2));
    feed.result(realtime(t0 + 5000, 400, 150, 2, 10));
    feed.result(realtime(t0 + 10_000, 420, 160, 9, 10));
    // kpis: a partial first minute, then two full ones; 2 USD + 302 JPY = 4 USD at 151 JPY per USD.
    feed.result(kpis(t0, [5, 1, 1, 1], 0, 'final', { USD: 10 }));
    feed.result(kpis(t0 + 60_000, [300, 60, 30, 12], 0, 'final', { USD: 2, JPY: 302 }));
    // Health: throughput in the tens of thousands, e2e P99 spiking to a minute (a window closing).
    for (let s = 0; s < 60; s++)
      feed.health(
        health(now - (60 - s) * 1000, 40_000 + s * 100, {
          latency: {
            ingest: { count: 100, p50: 1, p95: 3, p99: 4, max: 6 },
            e2e: { count: 5, p50: 2, p95: 3, p99: s % 20 === 10 ? 60_000 : 2.4, max: 60_000 },
          },
        }),
      );
    const { page, problems } = await open(dash.url);
    await page.getByTestId('funnel-product_views').waitFor();
    await page.waitForFunction(() => {
      const cs = (window as unknown as { rtapCharts?: { data: unknown[][] }[] }).rtapCharts;
      return cs?.length === 2 && cs.every((c) => (c.data[0] as unknown[]).length > 1);
    });

    const bounce = page.getByTestId('tile-delta-bounce_rate');
    assert.match((await bounce.textContent()) ?? '', /▲ 70\.0 pp/);
    assert.match((await bounce.getAttribute('class')) ?? '', /\bbad\b/, 'a rising bounce rate is red');
    assert.match(
      (await page.getByTestId('tile-delta-page_views_per_sec').getAttribute('class')) ?? '',
      /\bgood\b/,
    );
    // The revenue tile: converted, named in its currency, and no "▲" against the partial first minute.
    assert.equal(await page.getByTestId('tile-value-revenue').textContent(), '4.00');
    assert.match((await page.getByTestId('tile-revenue').textContent()) ?? '', /Revenue \/ min \(USD\)/);
    assert.match((await page.getByTestId('tile-delta-revenue').textContent()) ?? '', /first, partial/);
    // The funnel starts at product views (not page views), summed over both minutes of its 5.
    assert.match((await page.getByTestId('funnel-product_views').textContent()) ?? '', /Product views.*305/s);
    // Which e2e is which: the panel's is the last second, the chart's note explains its spikes.
    assert.match((await page.getByTestId('health-e2e-p99').textContent()) ?? '', /last second.*2\.4 ms/s);
    assert.match((await page.getByTestId('chart-health-note').textContent()) ?? '', /window closes/);

    const facts = await page.evaluate(() => {
      type U = {
        root: HTMLElement;
        width: number;
        bbox: { left: number };
        ctx: CanvasRenderingContext2D;
        scales: Record<string, { distr?: number }>;
        axes: {
          show: boolean;
          side: number;
          scale: string;
          _size: number;
          _values: string[] | null;
          _splits: number[] | null;
          font: [string];
        }[];
        valToPos(v: number, s: string): number;
      };
      return (window as unknown as { rtapCharts: U[] }).rtapCharts.map((u) => ({
        chart: u.root.dataset.chart,
        width: u.width,
        left: u.bbox.left / devicePixelRatio,
        msLog: u.scales.ms?.distr === 3,
        axes: u.axes
          .filter((a) => a.show)
          .map((a) => {
            u.ctx.font = a.font[0];
            const labels = (a._values ?? []).map(String);
            return {
              side: a.side,
              size: a._size,
              splits: a._splits ?? [],
              labels,
              widths: labels.map((l) => u.ctx.measureText(l).width / devicePixelRatio),
              positions: (a._splits ?? []).map((v) => u.valToPos(v, a.scale)),
            };
          }),
      }));
    });
    assert.equal(facts.length, 2);
    assert.ok(facts.find((f) => f.chart === 'chart-health')?.msLog, 'latency on a log axis');
    for (const f of facts) {
      for (const a of f.axes) {
        if (a.side === 1 || a.side === 3) {
          const widest = Math.max(0, ...a.widths);
          assert.ok(a.size >= widest + 4, `${f.chart}: axis ${a.side} ${a.size}px for a ${widest}px label`);
        } else {
          // The time axis: ticks on whole seconds, read as clock times, every label inside the chart.
          assert.ok(a.splits.length >= 2);
          for (const s of a.splits) assert.ok(Number.isInteger(s), `${f.chart}: a tick at ${s} s`);
          a.labels.forEach((l, i) => {
            if (!l) return;
            assert.match(l, /^\d\d:\d\d:\d\d$/, `${f.chart}: tick label ${l}`);
            const at = f.left + a.positions[i];
            assert.ok(
              at - a.widths[i] / 2 >= -1 && at + a.widths[i] / 2 <= f.width + 1,
              `${f.chart}: ${l} cut`,
            );
          });
        }
      }
    }
    await page.screenshot({ path: join(shots, 'charts.png'), fullPage: true });
    console.log(`screenshot: ${join(shots, 'charts.png')}`);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await dash.close();
  }
});

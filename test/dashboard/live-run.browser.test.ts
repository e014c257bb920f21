import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { runBench } from '../../src/bench/run.js';
import { liveStatsFeed, startDashboard, type Dashboard } from '../../src/dashboard/index.js';
import type { Alert, ViewResult } from '../../src/events/results.js';
import { createEmbeddedTransport } from '../../src/transport/embedded/index.js';
import { DEFAULT_PARTITIONS } from '../../src/transport/topics.js';
import { CHROMIUM_ARGS } from '../services/browser.js';

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

test('during a real in-process run the page shows KPIs that change, an alert, and pipeline health', async (t) => {
  const transport = createEmbeddedTransport({
    topics: Object.entries(DEFAULT_PARTITIONS).map(([name, partitions]) => ({
      name,
      partitions,
      replicationFactor: 1,
      config: {},
    })),
  });
  // What the processor delivered, collected independently of the dashboard: the page must show these.
  const alerts: Alert[] = [];
  const realtimeFinals: ViewResult[] = [];
  let attach!: (d: Promise<Dashboard>) => void;
  const dashboard = new Promise<Dashboard>((resolve, reject) => (attach = (d) => d.then(resolve, reject)));
  const run = runBench({
    transport,
    // Fraud episodes and a bounce spike make the CEP patterns fire within seconds; 1 % malformed records
    // feed the dead-letter counter.
    simulator: {
      seed: 7,
      fraudShare: 0.5,
      malformedShare: 0.01,
      bounceSpike: { everyMs: 20_000, durationMs: 10_000, share: 0.95 },
    },
    shape: { kind: 'constant', ratePerSec: 300 },
    durationMs: 30_000,
    warmupMs: 0,
    engine: { views: ['realtime', 'business', 'kpis'] },
    sinks: [],
    effectiveConfig: {},
    drainTimeoutMs: 5000,
    onLive(live) {
      live.processor.on('alert', (a) => alerts.push(a));
      live.processor.on('result', (r) => {
        if (r.view === 'realtime' && r.emit === 'final') realtimeFinals.push(r);
      });
      attach(
        startDashboard({
          port: 0,
          feed: liveStatsFeed(live, 'in-process: embedded log'),
          batchIntervalMs: 500,
        }),
      );
    },
  });
  const browser = await chromium.launch({
    executablePath: process.env.RTAP_CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  let dash: Dashboard | null = null;
  try {
    dash = await dashboard;
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(dash.url);
    await page.waitForFunction(
      () => document.querySelector('[data-testid=badge]')?.textContent === 'live',
      undefined,
      { timeout: 10_000 },
    );

    // The first complete realtime window reaches the tiles...
    const tileText = () => page.getByTestId('tiles').locator('.window').first().textContent();
    await page.waitForFunction(
      () =>
        /to \d\d:\d\d:\d\d/.test(document.querySelector('[data-testid=tiles] .window')?.textContent ?? ''),
      undefined,
      { timeout: 20_000 },
    );
    const firstWindow = await tileText();
    const firstUsers = await page.getByTestId('tile-value-active_users').textContent();
    assert.ok(
      realtimeFinals.some((r) => int.format(r.fields.active_users as number) === firstUsers),
      `active users ${firstUsers} is one the processor emitted (${realtimeFinals.map((r) => r.fields.active_users).join(', ')})`,
    );
    // ...and the next one replaces it: the KPI values change live.
    await page.waitForFunction(
      (w) => document.querySelector('[data-testid=tiles] .window')?.textContent !== w,
      firstWindow,
      { timeout: 15_000 },
    );
    const secondUsers = await page.getByTestId('tile-value-active_users').textContent();
    assert.ok(realtimeFinals.some((r) => int.format(r.fields.active_users as number) === secondUsers));
    // Against the first window (the run began inside it) no change is shown; from the next on, one is.
    const delta = page.getByTestId('tile-delta-active_users');
    assert.match((await delta.textContent()) ?? '', /[▲▼■] .* vs previous|first, partial/);
    await page.waitForFunction(
      () =>
        /[▲▼■] .* vs previous/.test(
          document.querySelector('[data-testid=tile-delta-active_users]')?.textContent ?? '',
        ),
      undefined,
      { timeout: 15_000 },
    );

    // An alert appears in the feed, with the message the CEP produced.
    const firstAlert = page.getByTestId('alert-message').first();
    await firstAlert.waitFor({ timeout: 20_000 });
    const shown = await firstAlert.textContent();
    assert.ok(
      alerts.some((a) => a.message === shown),
      `alert '${shown}' was emitted by the processor`,
    );

    // Pipeline health is live.
    const throughput = await page.getByTestId('health-throughput').locator('.value').textContent();
    assert.ok(Number((throughput ?? '').replace(/[^\d.]/g, '')) > 0, `throughput ${throughput}`);
    await page.getByTestId('funnel-product_views').waitFor({ timeout: 10_000 });

    const dir = mkdtempSync(join(tmpdir(), 'rtap-dashboard-'));
    const shot = join(dir, 'live-run.png');
    await page.screenshot({ path: shot, fullPage: true });
    t.diagnostic(`screenshot: ${shot}`);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    const { report } = await run;
    t.diagnostic(
      `run: ${report.pipeline.consumed} consumed, ${report.pipeline.alerts} alerts, ${report.pipeline.dead_letters} dead letters`,
    );
    await dash?.close();
    await transport.close();
  }
});

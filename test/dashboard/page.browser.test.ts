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

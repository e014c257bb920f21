import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../services/browser.js';
import { runCli } from '../helpers/cli.js';

test('the HTML bench report opens offline in headless Chromium with its four plots drawn', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtap-html-'));
  const html = join(dir, 'report.html');
  const r = await runCli(['bench', '--duration', '5s', '--patterns', 'none', '--html', html]);
  assert.equal(r.code, 0, r.stderr);
  const browser = await chromium.launch({
    executablePath: process.env.RTAP_CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Any network request would mean the report is not self-contained.
    const requests: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith('file:')) requests.push(req.url());
    });
    await page.goto(`file://${html}`);
    await page.waitForFunction(() => document.body.dataset.plots === '4', undefined, { timeout: 10_000 });
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, []);
    // Each plot has a canvas with drawn pixels (not blank).
    const drawn = await page.$$eval('.uplot canvas', (canvases) =>
      canvases.map((c) => {
        const cv = c as HTMLCanvasElement;
        const data = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
        let ink = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
        return ink;
      }),
    );
    assert.equal(drawn.length, 4);
    for (const ink of drawn) assert.ok(ink > 500, `a plot drew only ${ink} pixels`);
    assert.match((await page.textContent('table')) ?? '', /ingest/);
    const shot = join(dir, 'report.png');
    writeFileSync(shot, await page.screenshot({ fullPage: true }));
    assert.ok(statSync(shot).size > 10_000);
    console.log(`screenshot: ${shot}`);
  } finally {
    await browser.close();
  }
});

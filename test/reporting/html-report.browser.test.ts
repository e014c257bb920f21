import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../services/browser.js';
import { runCli } from '../helpers/cli.js';
import type { BenchReport } from '../../src/reporting/report.js';

/** What the page reports about each drawn plot: its axes' label extents and what it shows. */
interface PlotFacts {
  chart: string;
  width: number;
  /** Left edge of the plotting area in the chart (the horizontal axis' positions start there). */
  left: number;
  yLog: boolean;
  series: string[];
  /** Per shown axis: its side, its size and the widest label measured with its own font. */
  axes: { side: number; size: number; widest: number; labels: string[]; positions: number[] }[];
}

test('the HTML bench report: verdict first, log-log spectra per stage with the baseline, per-view table, resources, warm-up shaded, no clipped label', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtap-html-'));
  const baseline = join(dir, 'baseline.json');
  const html = join(dir, 'report.html');
  let r = await runCli(['bench', '--duration', '4s', '--warmup', '2s', '--json', baseline]);
  assert.equal(r.code, 0, r.stderr);
  // As from a baseline run that delivered no result after its warm-up: its e2e chart must say so.
  const saved = JSON.parse(readFileSync(baseline, 'utf8')) as BenchReport;
  delete saved.latency.e2e;
  writeFileSync(baseline, JSON.stringify(saved));
  r = await runCli([
    'bench',
    '--duration',
    '4s',
    '--warmup',
    '2s',
    '--threshold',
    'ingest.p99<10s',
    '--baseline',
    baseline,
    '--max-regression',
    '100%',
    '--html',
    html,
  ]);
  // Two short runs on a shared machine may differ by more than 100 % (exit 99): the verdict must say so.
  assert.ok(r.code === 0 || r.code === 99, r.stderr);
  const verdict = r.code === 0 ? 'passed' : 'failed';

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
    await page.waitForFunction(() => Number(document.body.dataset.plots) > 4, undefined, { timeout: 10_000 });
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, []);

    // The verdict comes before any table or chart, and says what passed.
    const order = await page.$$eval('body > *', (els) => els.map((e) => e.tagName + '.' + e.className));
    const at = order.indexOf(`SECTION.verdict ${verdict}`);
    assert.ok(at >= 0 && at < order.findIndex((x) => x.startsWith('TABLE')), order.join(' '));
    assert.match(
      (await page.textContent('.verdict')) ?? '',
      verdict === 'passed' ? /PASSED.*✓ ingest\.p99<10s/s : /FAILED.*✗ /s,
    );
    // The per-view e2e table.
    const views = await page.$$eval('table', (ts) => ts.map((t) => t.querySelector('th')?.textContent ?? ''));
    assert.ok(views.includes('e2e by view (ms)'), views.join(', '));

    const facts: PlotFacts[] = await page.evaluate(() => {
      type U = {
        root: HTMLElement;
        width: number;
        bbox: { left: number };
        ctx: CanvasRenderingContext2D;
        scales: Record<string, { distr?: number }>;
        series: { label?: string }[];
        axes: {
          show: boolean;
          side: number;
          scale: string;
          _size: number;
          _values: string[] | null;
          _splits: number[] | null;
          font: [string];
        }[];
        valToPos(v: number, scale: string): number;
      };
      const plots = (window as unknown as { rtapPlots: U[] }).rtapPlots;
      return plots.map((u) => ({
        chart: u.root.dataset.chart ?? '',
        width: u.width,
        left: u.bbox.left / devicePixelRatio,
        yLog: u.scales.y?.distr === 3,
        series: u.series.slice(1).map((s) => String(s.label)),
        axes: u.axes
          .filter((a) => a.show)
          .map((a) => {
            u.ctx.font = a.font[0];
            const labels = (a._values ?? []).map(String);
            return {
              side: a.side,
              size: a._size,
              widest: Math.max(0, ...labels.map((l) => u.ctx.measureText(l).width / devicePixelRatio)),
              labels,
              positions: (a._splits ?? []).map((v) => u.valToPos(v, a.scale)),
            };
          }),
      }));
    });
    const spectra = facts.filter((f) => f.chart.startsWith('spectrum-'));
    const stages = await page.$$eval('table.latency tr td:first-child', (tds) =>
      tds.map((t) => t.textContent),
    );
    assert.deepEqual(
      spectra.map((f) => f.chart.slice('spectrum-'.length)).sort(),
      [...stages].sort(),
      'one spectrum chart per measured stage',
    );
    // A short baseline run may measure fewer stages (no window closed after its warm-up): those charts
    // say so; every stage the baseline measured is overlaid.
    const measured = Object.keys(saved.latency);
    assert.ok(measured.includes('ingest'), measured.join(', '));
    assert.ok(
      spectra.some((f) => f.chart === 'spectrum-e2e'),
      'an e2e chart (the baseline without e2e)',
    );
    const noBaseline = await page.$$eval('.no-baseline', (ps) =>
      ps.map((p) => [p.previousElementSibling?.id ?? '', p.textContent ?? '']),
    );
    for (const f of spectra) {
      assert.ok(f.yLog, `${f.chart}: latency on a log axis`);
      const stage = f.chart.slice('spectrum-'.length);
      if (measured.includes(stage)) {
        assert.ok(f.series.includes('baseline'), `${f.chart}: the baseline overlaid`);
      } else {
        assert.ok(!f.series.includes('baseline'), `${f.chart}: no baseline curve`);
        assert.ok(
          noBaseline.some(([id, text]) => id === f.chart && text.includes(`no ${stage} samples`)),
          `${f.chart}: the chart says the baseline did not measure ${stage} (${JSON.stringify(noBaseline)})`,
        );
      }
    }
    assert.ok(facts.find((f) => f.chart === 'latency')?.yLog, 'latency over time on a log axis');
    assert.ok(
      facts.find((f) => f.chart === 'resources')?.series.some((s) => /CPU/.test(s)),
      'resource use over time',
    );
    for (const f of facts) {
      for (const a of f.axes) {
        if (a.side === 1 || a.side === 3) {
          // A vertical axis: its width holds its widest label (uPlot's default 50 px cut "10,000" to "0,000").
          assert.ok(
            a.size >= a.widest + 4,
            `${f.chart}: axis ${a.side} is ${a.size}px for a ${a.widest}px label`,
          );
        } else {
          // A horizontal axis: every label, centred on its tick, lies inside the chart.
          a.labels.forEach((label, i) => {
            if (!label) return;
            const half = a.widest / 2;
            const at = f.left + a.positions[i];
            assert.ok(
              at - half >= -1 && at + half <= f.width + 1,
              `${f.chart}: x label ${label} at ${at} cut`,
            );
          });
        }
      }
    }

    // The warm-up is shaded: the canvas (transparent where nothing is drawn) is grey inside it and empty
    // at the same height after it. The lag line runs along the bottom, clear of the probe.
    const shade = await page.evaluate(() => {
      const u = (
        window as unknown as {
          rtapPlots: {
            root: HTMLElement;
            ctx: CanvasRenderingContext2D;
            bbox: { top: number; height: number };
            scales: { x: { min?: number } };
            valToPos(v: number, s: string, c: boolean): number;
          }[];
        }
      ).rtapPlots.find((p) => p.root.dataset.chart === 'lag')!;
      const y = Math.round(u.bbox.top + u.bbox.height * 0.45);
      // No named helper in here: tsx would wrap it in a __name() the page does not have.
      // Inside: halfway between the chart's first second (the first live sample, which a loaded machine
      // can take later than 1 s) and the end of the 2 s warm-up.
      const first = Math.max(u.scales.x.min ?? 0, 0);
      const [inside, after] = [(first + 2) / 2, 4.2].map((t) =>
        Array.from(u.ctx.getImageData(Math.round(u.valToPos(t, 'x', true)) + 3, y, 1, 1).data),
      );
      return { inside, after };
    });
    const [r0, g0, b0, a0] = shade.inside;
    assert.ok(r0 === g0 && g0 === b0 && a0 > 0, `grey inside the warm-up: ${shade.inside}`);
    assert.equal(shade.after[3], 0, `nothing after it: ${shade.after}`);

    const shot = join(dir, 'report.png');
    writeFileSync(shot, await page.screenshot({ fullPage: true }));
    assert.ok(statSync(shot).size > 10_000);
    console.log(`screenshot: ${shot}`);
  } finally {
    await browser.close();
  }
});

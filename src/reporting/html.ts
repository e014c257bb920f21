import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { decodeHistogram, type LatencyName } from './histograms.js';
import type { BenchReport } from './report.js';

const require = createRequire(import.meta.url);

function uplotAssets(): { js: string; css: string } {
  const dist = join(dirname(require.resolve('uplot')), '..', 'dist');
  return {
    js: readFileSync(join(dist, 'uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(join(dist, 'uPlot.min.css'), 'utf8'),
  };
}

/** Percentile spectrum points (percentile, value ms) from a histogram, for a 1/(1−p) log axis. */
export function percentileSpectrum(base64: string): { percentile: number; ms: number }[] {
  const h = decodeHistogram(base64);
  const out: { percentile: number; ms: number }[] = [];
  // Ticks double in density toward the tail, as HdrHistogram's percentile distribution output does.
  for (let i = 0; i <= 60; i++) {
    const p = 100 * (1 - Math.pow(0.5, i / 5));
    if (p > 99.9999) break;
    out.push({ percentile: p, ms: h.getValueAtPercentile(p) / 1000 });
  }
  out.push({ percentile: 100, ms: h.getValueAtPercentile(100) / 1000 });
  return out;
}

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * A self-contained HTML report (uPlot inlined: opens offline): latency over time, the percentile
 * spectrum on a log axis, throughput, and consumer lag, plus the summary table.
 */
export function renderHtmlReport(r: BenchReport): string {
  const { js, css } = uplotAssets();
  const spectra: Record<string, { percentile: number; ms: number }[]> = {};
  for (const [name, s] of Object.entries(r.latency) as [LatencyName, { histogram: string }][]) {
    spectra[name] = percentileSpectrum(s.histogram);
  }
  const data = { intervals: r.intervals, spectra };
  const rows = Object.entries(r.latency)
    .map(
      ([name, s]) =>
        `<tr><td title="${escape(s!.description)}">${escape(name)}</td><td>${s!.count}</td><td>${s!.p50}</td><td>${s!.p90}</td><td>${s!.p95}</td><td>${s!.p99}</td><td>${s!.p999}</td><td>${s!.max}</td></tr>`,
    )
    .join('');
  const gate = r.gate
    ? `<h2>Gate: ${r.gate.passed ? 'passed' : 'FAILED'}</h2><ul>${r.gate.results.map((g) => `<li class="${g.passed ? 'ok' : 'bad'}">${escape(g.message)}</li>`).join('')}</ul>`
    : '';
  // JSON inside <script>: escape '<' so no value can close the script element.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rtap bench report — ${escape(r.meta.started_at)}</title>
<style>${css}
body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child{text-align:left}
.ok{color:#176117}.bad{color:#a11}.plot{margin:12px 0 28px}.meta{color:#555}
</style></head><body>
<h1>rtap bench report</h1>
<p class="meta">${escape(r.meta.transport)} · ${escape(r.load.profile)} load, target ${r.load.target_rate_per_sec}/s for ${r.load.duration_ms / 1000}s (+${r.load.warmup_ms / 1000}s warm-up) · rtap ${escape(r.meta.rtap_version)} · node ${escape(r.meta.node)} · ${escape(r.meta.cpu_model)} ×${r.meta.cpus} · commit ${escape(r.meta.git_commit ?? 'unknown')} · ${escape(r.meta.started_at)}</p>
<p>Produced ${r.load.produced} (achieved ${r.load.achieved_rate_per_sec}/s, schedule ${r.load.schedule_held ? 'held' : '<b class="bad">not held</b>'}), consumed ${r.pipeline.consumed} (${r.pipeline.throughput_per_min}/min), dead letters ${r.pipeline.dead_letters}, late ${r.pipeline.late}, duplicates ${r.pipeline.duplicates}, results ${r.pipeline.results}, alerts ${r.pipeline.alerts}, max lag ${r.pipeline.max_lag}.</p>
<table><tr><th>latency (ms)</th><th>count</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>p99.9</th><th>max</th></tr>${rows}</table>
${gate}
<h2>Latency over time (p99 per second)</h2><div id="latency" class="plot"></div>
<h2>Percentile spectrum</h2><div id="spectrum" class="plot"></div>
<h2>Throughput (events/s)</h2><div id="throughput" class="plot"></div>
<h2>Consumer lag (records)</h2><div id="lag" class="plot"></div>
<script>${js}</script>
<script>
const DATA = ${json};
const W = Math.min(1050, window.innerWidth - 48);
const palette = ['#1f77b4','#d62728','#2ca02c','#ff7f0e','#9467bd','#8c564b','#e377c2'];
const t = DATA.intervals.map(r => r.t);
const names = [...new Set(DATA.intervals.flatMap(r => Object.keys(r.latency)))];
function plot(id, title, series, data, opts = {}) {
  new uPlot(Object.assign({ title, width: W, height: 260, series: [{ label: opts.xLabel || 's' }, ...series], scales: opts.scales || { x: { time: false } }, axes: opts.axes }, {}), data, document.getElementById(id));
}
plot('latency', 'p99 latency (ms) by second', names.map((n, i) => ({ label: n + ' p99', stroke: palette[i % palette.length] })),
  [t, ...names.map(n => DATA.intervals.map(r => r.latency[n] ? r.latency[n].p99 : null))]);
const specNames = Object.keys(DATA.spectra);
if (specNames.length) {
  const xs = DATA.spectra[specNames[0]].map(p => 1 / (1 - Math.min(p.percentile, 99.9999) / 100));
  plot('spectrum', 'latency (ms) by percentile', specNames.map((n, i) => ({ label: n, stroke: palette[i % palette.length] })),
    [xs, ...specNames.map(n => DATA.spectra[n].map(p => p.ms))],
    { xLabel: 'percentile', scales: { x: { time: false, distr: 3 } },
      axes: [{ splits: () => [1, 2, 10, 100, 1000, 10000, 100000].filter(x => x <= xs[xs.length - 1]),
               values: (u, v) => v.map(x => ({ 1: '0%', 2: '50%', 10: '90%', 100: '99%', 1000: '99.9%', 10000: '99.99%', 100000: '99.999%' })[x] || '') }, {}] });
}
plot('throughput', 'events per second', [{ label: 'produced', stroke: palette[0] }, { label: 'consumed', stroke: palette[2] }],
  [t, DATA.intervals.map(r => r.produced), DATA.intervals.map(r => r.consumed)]);
plot('lag', 'total consumer lag', [{ label: 'lag', stroke: palette[1] }], [t, DATA.intervals.map(r => r.lag)]);
document.body.dataset.plots = String(document.querySelectorAll('.uplot').length);
</script></body></html>
`;
}

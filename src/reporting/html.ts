import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LATENCY_NAMES, type LatencySummary } from './histograms.js';
import { REPORT_SCRIPT } from './html-client.js';
import { LOG_FLOOR_MS, stageSpectra, verdictOf, type StageSpectrum } from './html-data.js';
import type { BenchReport } from './report.js';
import { endOfInputNote, STAGES_NOTE } from './table.js';

export { percentileSpectrum } from './html-data.js';

const require = createRequire(import.meta.url);

function uplotAssets(): { js: string; css: string } {
  const dist = join(dirname(require.resolve('uplot')), '..', 'dist');
  return {
    js: readFileSync(join(dist, 'uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(join(dist, 'uPlot.min.css'), 'utf8'),
  };
}

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const num = (n: number) =>
  n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n >= 1 ? n.toFixed(2) : n.toFixed(3);
const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** The change against the baseline, coloured: a latency that grew is red. */
function change(now: number, before: number | undefined, higherIsWorse = true): string {
  if (before === undefined || before <= 0) return '<td></td>';
  const c = (now - before) / before;
  const worse = higherIsWorse ? c > 0.0005 : c < -0.0005;
  const better = higherIsWorse ? c < -0.0005 : c > 0.0005;
  return `<td class="${worse ? 'bad' : better ? 'ok' : ''}">${c >= 0 ? '+' : ''}${(c * 100).toFixed(1)}%</td>`;
}

function latencyTable(r: BenchReport, b: BenchReport | null): string {
  const cols = ['p50', 'p90', 'p95', 'p99', 'p999', 'max'] as const;
  const head = `<tr><th>latency (ms)</th><th>count</th>${cols.map((c) => `<th>${c === 'p999' ? 'p99.9' : c}</th>`).join('')}${b ? '<th>baseline p50</th><th>Δ p50</th><th>baseline p99</th><th>Δ p99</th>' : ''}</tr>`;
  const rows = LATENCY_NAMES.filter((n) => r.latency[n]).map((name) => {
    const s = r.latency[name]!;
    const bs = b?.latency[name];
    const base = b
      ? `<td>${bs ? num(bs.p50) : '–'}</td>${change(s.p50, bs?.p50)}<td>${bs ? num(bs.p99) : '–'}</td>${change(s.p99, bs?.p99)}`
      : '';
    return `<tr><td title="${escape(s.description)}">${name}</td><td>${int(s.count)}</td>${cols.map((c) => `<td>${num(s[c])}</td>`).join('')}${base}</tr>`;
  });
  return `<table class="latency">${head}${rows.join('')}</table><p class="note">${escape(STAGES_NOTE)}</p>`;
}

function viewTable(views: Record<string, LatencySummary>, b: BenchReport | null): string {
  const entries = Object.entries(views);
  if (!entries.length) return '<p class="note">no view results were delivered during the measurement</p>';
  const rows = entries.map(([view, s]) => {
    const bs = b?.e2e_by_view?.[view];
    return `<tr><td>${escape(view)}</td><td>${int(s.count)}</td><td>${num(s.p50)}</td><td>${num(s.p95)}</td><td>${num(s.p99)}</td><td>${num(s.max)}</td>${b ? `<td>${bs ? num(bs.p99) : '–'}</td>${change(s.p99, bs?.p99)}` : ''}</tr>`;
  });
  return `<table><tr><th>e2e by view (ms)</th><th>count</th><th>p50</th><th>p95</th><th>p99</th><th>max</th>${b ? '<th>baseline p99</th><th>Δ p99</th>' : ''}</tr>${rows.join('')}</table>
<p class="note">A view's results wait for its window to end: a 5-minute view's e2e is minutes where the 5 s realtime view's is seconds, so the all-views e2e above mixes them.</p>`;
}

function pipelineTable(r: BenchReport, b: BenchReport | null): string {
  const p = r.pipeline;
  const res = r.resources;
  const reasons = Object.entries(p.dead_letter_reasons)
    .map(([k, v]) => `${k}: ${int(v)}`)
    .join(', ');
  const rows: [string, string][] = [
    [
      'produced',
      `${int(r.load.produced)} (${int(r.load.achieved_rate_per_sec)}/s achieved of ${int(r.load.target_rate_per_sec)}/s; schedule ${r.load.schedule_held ? 'held' : '<b class="bad">not held</b>'})`,
    ],
    [
      'consumed',
      `${int(p.consumed)} (${int(p.throughput_per_sec)}/s = ${int(p.throughput_per_min)}/min)${b ? ` · baseline ${int(b.pipeline.throughput_per_sec)}/s` : ''}`,
    ],
    ['dead letters', `${int(p.dead_letters)}${reasons ? ` (${escape(reasons)})` : ''}`],
    ['late / duplicates', `${int(p.late)} / ${int(p.duplicates)}`],
    [
      'results / alerts',
      `${int(p.results)} (${int(p.final_results)} final) / ${int(p.alerts)}${escape(endOfInputNote(p))}`,
    ],
    ...(p.partial_matches_evicted
      ? [
          ['CEP evicted', `<b class="bad">${int(p.partial_matches_evicted)} partial matches</b>`] as [
            string,
            string,
          ],
        ]
      : []),
    ['max consumer lag', `${int(p.max_lag)} records`],
    ['error rate', `${(p.error_rate * 100).toFixed(3)} %`],
    [
      'resources',
      `CPU ${res.cpu_percent}% of a core (user ${int(res.cpu_user_ms)} ms, system ${int(res.cpu_system_ms)} ms) · RSS max ${res.rss_max_mb} MB, heap max ${res.heap_used_max_mb} MB · event-loop delay p99 ${res.event_loop_delay_ms.p99} ms · GC ${int(res.gc.count)} pauses, ${int(res.gc.total_pause_ms)} ms in total, max ${res.gc.max_pause_ms} ms`,
    ],
  ];
  return `<table class="kv">${rows.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join('')}</table>`;
}

function verdictBlock(r: BenchReport): string {
  const v = verdictOf(r);
  return `<section class="verdict ${v.status}" data-verdict="${v.status}"><h2>${escape(v.headline)}</h2><ul>${v.checks
    .map((c) => `<li class="${c.passed ? 'ok' : 'bad'}">${c.passed ? '✓' : '✗'} ${escape(c.text)}</li>`)
    .join('')}</ul></section>`;
}

const CSS = `
body{font:14px system-ui,sans-serif;margin:24px auto;color:#222;max-width:1120px;padding:0 16px}
h1{margin:0 0 4px}h2{font-size:17px;margin:26px 0 8px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right;font-variant-numeric:tabular-nums}
td:first-child,th:first-child{text-align:left}table.kv td:last-child{text-align:left}
.ok{color:#176117}.bad{color:#a11}.meta,.note{color:#555}.note{font-size:12px;margin:2px 0 10px}
.verdict{border-radius:6px;padding:8px 14px;margin:14px 0}.verdict h2{margin:4px 0}.verdict ul{margin:6px 0;padding-left:18px;list-style:none}
.verdict.passed{background:#eaf6ea;border:1px solid #9c9}.verdict.failed{background:#fbeaea;border:1px solid #d99}.verdict.ungated{background:#f3f3f3;border:1px solid #ccc}
.grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:8px 24px}.plot{min-width:0}
`;

/** A stage's spectrum chart; a baseline that did not measure the stage is said so, not left out silently. */
function spectrumCell(s: StageSpectrum, baseline: BenchReport | null): string {
  const missing =
    baseline && !s.baselineMs
      ? `<p class="note no-baseline">the baseline has no ${s.name} samples: nothing to overlay</p>`
      : '';
  return `<div><div id="spectrum-${s.name}" class="plot"></div>${missing}</div>`;
}

/**
 * A self-contained HTML report (uPlot inlined: opens offline), meant to be pasted into a pull request:
 * the verdict first, the latency table (against the baseline when given), the percentile spectrum of
 * each stage on log axes, e2e per view, latency, throughput, lag and resources over time with the
 * warm-up shaded.
 */
export function renderHtmlReport(r: BenchReport, baseline: BenchReport | null = null): string {
  const { js, css } = uplotAssets();
  const spectra = stageSpectra(r, baseline);
  const data = {
    intervals: r.intervals,
    spectra,
    stageOrder: [...LATENCY_NAMES],
    warmupS: r.load.warmup_ms / 1000,
    logFloorMs: LOG_FLOOR_MS,
  };
  // JSON inside <script>: escape '<' so no value can close the script element.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const m = r.meta;
  const baselineLine = baseline
    ? `<p class="meta">Baseline (dashed in the spectra): ${escape(baseline.meta.started_at)}, commit ${escape(baseline.meta.git_commit ?? 'unknown')}, ${escape(baseline.meta.transport)}, ${baseline.load.target_rate_per_sec}/s for ${baseline.load.duration_ms / 1000}s.</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rtap bench report — ${escape(m.started_at)}</title>
<style>${css}${CSS}</style></head><body>
<h1>rtap bench report</h1>
<p class="meta">${escape(m.transport)} · ${escape(r.load.profile)} load, target ${r.load.target_rate_per_sec}/s for ${r.load.duration_ms / 1000}s${r.load.warmup_ms ? ` after ${r.load.warmup_ms / 1000}s of warm-up (not measured, shaded in the time charts)` : ''} · rtap ${escape(m.rtap_version)} · node ${escape(m.node)} · ${escape(m.cpu_model)} ×${m.cpus} · commit ${escape(m.git_commit ?? 'unknown')} · ${escape(m.started_at)}</p>
${baselineLine}
${verdictBlock(r)}
<h2>Latency</h2>
${latencyTable(r, baseline)}
<h2>Percentile spectrum <span class="note">(log axes: each step right is ten times rarer, each step up ten times slower)</span></h2>
<div class="grid">${spectra.map((s) => spectrumCell(s, baseline)).join('')}</div>
<h2>End-to-end latency by view</h2>
${viewTable(r.e2e_by_view ?? {}, baseline)}
<h2>Pipeline and resources</h2>
${pipelineTable(r, baseline)}
<h2>Over time</h2>
<div class="grid">
<div><h3>p99 latency per second</h3><div id="latency" class="plot"></div></div>
<div><h3>Throughput (events/s)</h3><div id="throughput" class="plot"></div></div>
<div><h3>Consumer lag (records)</h3><div id="lag" class="plot"></div></div>
<div><h3>Resources</h3><div id="resources" class="plot"></div></div>
</div>
<script>${js}</script>
<script>const DATA = ${json};${REPORT_SCRIPT}</script></body></html>
`;
}

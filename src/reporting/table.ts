import Table from 'cli-table3';
import { Chalk } from 'chalk';
import type { BenchReport } from './report.js';
import { LATENCY_NAMES } from './histograms.js';
import { renderPresetSection } from '../presets/render.js';

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** What each stage includes, under the table (docs/report.md has the details). */
export const STAGES_NOTE =
  'publish, ack, ingest: from the intended send time · window_close: final result after the window end, including the watermark wait · e2e: result after the intended send of its last event (a long window waits for its end) · alert: after the event that completed the match · docs/report.md';

function isNoPatterns(v: unknown): boolean {
  return Array.isArray(v) && v.length === 1 && v[0] === 'none';
}

/** The alerts only the end of input raised, named apart so nobody reads them as matches of the load. */
export function endOfInputNote(p: BenchReport['pipeline']): string {
  const n = p.alerts_at_end_of_input ?? 0;
  if (!n) return '';
  const by = Object.entries(p.alerts_at_end_of_input_by_pattern ?? {})
    .sort(([, a], [, b]) => b - a)
    .map(([k, v]) => `${k} ${int(v)}`)
    .join(', ');
  return ` (+${int(n)} at end of input, not counted: ${by})`;
}

/** The human bench report: latency table, throughput and pipeline counters, resources. */
export function renderReport(r: BenchReport, color: boolean): string {
  const style = color ? { head: ['cyan'] } : { head: [], border: [] };
  const c = new Chalk({ level: color ? 1 : 0 });
  const lines: string[] = [];
  lines.push(
    c.bold(
      `rtap bench — ${r.meta.transport}, ${r.load.profile} load at ${int(r.load.target_rate_per_sec)}/s for ${r.load.duration_ms / 1000}s` +
        (r.load.warmup_ms ? ` (+${r.load.warmup_ms / 1000}s warm-up excluded)` : ''),
    ),
  );
  const lat = new Table({
    head: ['latency (ms)', 'count', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max'],
    style,
  });
  const cep = !isNoPatterns(r.meta.config.patterns?.value);
  for (const name of LATENCY_NAMES) {
    const s = r.latency[name];
    if (s)
      lat.push([name, int(s.count), fmt(s.p50), fmt(s.p90), fmt(s.p95), fmt(s.p99), fmt(s.p999), fmt(s.max)]);
    // With patterns on, a missing alert row would read as "not measured": say it measured none.
    else if (name === 'alert' && cep) lat.push([name, '0', '–', '–', '–', '–', '–', '–']);
  }
  lines.push(lat.toString());
  lines.push(c.dim(STAGES_NOTE));
  if (cep && !r.latency.alert)
    lines.push(
      c.dim(
        `alert: no pattern completed a match while the load ran${r.pipeline.alerts_at_end_of_input ? `; the ${int(r.pipeline.alerts_at_end_of_input)} alerts the end of input raised are not matches of the load and not measured` : ''} (a longer run, or --fraud-share, gives the patterns time to match)`,
      ),
    );
  const views = Object.entries(r.e2e_by_view ?? {});
  if (views.length) {
    const byView = new Table({ head: ['e2e by view (ms)', 'count', 'p50', 'p95', 'p99', 'max'], style });
    for (const [view, s] of views)
      byView.push([view, int(s.count), fmt(s.p50), fmt(s.p95), fmt(s.p99), fmt(s.max)]);
    lines.push(byView.toString());
  }
  const p = r.pipeline;
  const t = new Table({ style });
  t.push(
    {
      produced: `${int(r.load.produced)} (${int(r.load.achieved_rate_per_sec)}/s achieved, schedule ${r.load.schedule_held ? 'held' : c.red('NOT held')})`,
    },
    { consumed: `${int(p.consumed)} (${int(p.throughput_per_sec)}/s = ${int(p.throughput_per_min)}/min)` },
    {
      'dead letters': `${int(p.dead_letters)}${
        Object.keys(p.dead_letter_reasons).length
          ? ' — ' +
            Object.entries(p.dead_letter_reasons)
              .map(([k, v]) => `${k}: ${v}`)
              .join(', ')
          : ''
      }`,
    },
    { 'late / duplicates': `${int(p.late)} / ${int(p.duplicates)}` },
    {
      results: `${int(p.results)} (${int(p.final_results)} final), alerts ${int(p.alerts)}${endOfInputNote(p)}`,
    },
    ...(p.partial_matches_evicted
      ? [
          {
            'CEP evicted': c.red(`${int(p.partial_matches_evicted)} partial matches (--max-partial-matches)`),
          },
        ]
      : []),
    { 'max consumer lag': `${int(p.max_lag)} records` },
    { 'error rate': `${(p.error_rate * 100).toFixed(3)} %` },
    {
      resources: `CPU ${r.resources.cpu_percent}% of a core, RSS max ${r.resources.rss_max_mb} MB, event-loop delay p99 ${r.resources.event_loop_delay_ms.p99} ms, GC ${r.resources.gc.count} pauses (max ${r.resources.gc.max_pause_ms} ms)`,
    },
  );
  lines.push(t.toString());
  if (r.verification?.checked) {
    lines.push(
      r.verification.ok
        ? c.green(`check: ${r.verification.windows} final windows equal the independent recomputation`)
        : c.red(
            `check FAILED: ${r.verification.mismatches.length} mismatches\n  ${r.verification.mismatches.slice(0, 10).join('\n  ')}`,
          ),
    );
  }
  if (r.gate) {
    for (const g of r.gate.results)
      lines.push(g.passed ? c.green(`✓ ${g.message}`) : c.red(`✗ ${g.message}`));
  }
  if (r.preset) lines.push(renderPresetSection(r.preset, color));
  return lines.join('\n');
}

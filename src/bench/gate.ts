import { UsageError } from '../errors.js';
import { duration as parseDuration, rate as parseRate } from '../config/values.js';
import { LATENCY_NAMES, type LatencyName } from '../reporting/histograms.js';
import type { BenchReport } from '../reporting/report.js';

/**
 * Performance gate: `--threshold 'ingest.p95<500ms'`, `'throughput>=10000/min'`, `'errors<0.1%'`,
 * `'e2e.max<2s'`, `'lag<=5000'`, and baseline regressions (`--baseline old.json --max-regression 10%`).
 */
export type Op = '<' | '<=' | '>' | '>=';

export interface Threshold {
  source: string;
  metric: string;
  op: Op;
  /** In the metric's unit: ms for latencies, events/s for throughput, a fraction for errors, a count otherwise. */
  value: number;
  unit: 'ms' | 'per_sec' | 'fraction' | 'count';
  /** `e2e.VIEW.STAT`: the end-to-end latency of one result view (the report's e2e_by_view). */
  view?: string;
}

const STATS = {
  p50: 'p50',
  p90: 'p90',
  p95: 'p95',
  p99: 'p99',
  'p99.9': 'p999',
  p999: 'p999',
  max: 'max',
  mean: 'mean',
} as const;
const COUNTS = ['dead_letters', 'late', 'duplicates', 'lag', 'alerts', 'results'] as const;

/** `flag`: the option the condition came from, for the error message (--slo takes the same grammar). */
export function parseThreshold(src: string, flag = '--threshold'): Threshold {
  const m = /^\s*([a-z0-9_]+(?:\.[a-z0-9.]+)?)\s*(<=|>=|<|>)\s*(.+?)\s*$/.exec(src);
  const expected =
    "METRIC OP VALUE, e.g. 'ingest.p95<500ms', 'throughput>=10000/min', 'errors<0.1%', 'lag<=1000'";
  if (!m) throw new UsageError(`invalid ${flag} '${src}': expected ${expected}`);
  const [, metric, op, raw] = m;
  const where = `${flag} '${src}'`;
  if (metric === 'throughput')
    return { source: src, metric, op: op as Op, value: parseRate(raw, where), unit: 'per_sec' };
  if (metric === 'errors') {
    const pct = raw.endsWith('%');
    const v = Number(pct ? raw.slice(0, -1) : raw) / (pct ? 100 : 1);
    if (!Number.isFinite(v) || v < 0)
      throw new UsageError(`invalid ${where}: expected an error rate like 0.1% or 0.001`);
    return { source: src, metric, op: op as Op, value: v, unit: 'fraction' };
  }
  if ((COUNTS as readonly string[]).includes(metric)) {
    const v = Number(raw);
    if (!Number.isFinite(v)) throw new UsageError(`invalid ${where}: expected a number`);
    return { source: src, metric, op: op as Op, value: v, unit: 'count' };
  }
  const [name, stat] = metric.split(/\.(.+)/);
  // e2e of one view: e2e.kpis.p95, e2e.products.tumbling.p99 (view names may hold dots).
  const byView =
    name === 'e2e' && stat && !(stat in STATS)
      ? /^(.+?)\.(p50|p90|p95|p99\.9|p999|p99|max|mean)$/.exec(stat)
      : null;
  if (byView && byView[2] in STATS)
    return {
      source: src,
      metric: `e2e.${byView[2]}`,
      view: byView[1],
      op: op as Op,
      value: parseDuration(raw, where),
      unit: 'ms',
    };
  if (!(LATENCY_NAMES as readonly string[]).includes(name) || !stat || !(stat in STATS)) {
    throw new UsageError(
      `invalid ${where}: unknown metric '${metric}'`,
      `metrics: throughput, errors, ${COUNTS.join(', ')}, LATENCY.STAT with LATENCY one of ${LATENCY_NAMES.join(', ')} and STAT one of ${Object.keys(STATS).join(', ')}, or e2e.VIEW.STAT for one result view`,
    );
  }
  return { source: src, metric, op: op as Op, value: parseDuration(raw, where), unit: 'ms' };
}

function actualOf(t: Threshold, r: BenchReport): number | null {
  switch (t.metric) {
    case 'throughput':
      return r.pipeline.throughput_per_sec;
    case 'errors':
      return r.pipeline.error_rate;
    case 'dead_letters':
      return r.pipeline.dead_letters;
    case 'late':
      return r.pipeline.late;
    case 'duplicates':
      return r.pipeline.duplicates;
    case 'lag':
      return r.pipeline.max_lag;
    case 'alerts':
      return r.pipeline.alerts;
    case 'results':
      return r.pipeline.results;
  }
  const [name, stat] = t.metric.split(/\.(.+)/);
  if (t.view !== undefined) {
    const v = r.e2e_by_view?.[t.view];
    return v ? v[STATS[stat as keyof typeof STATS]] : null;
  }
  const s = r.latency[name as LatencyName];
  return s ? s[STATS[stat as keyof typeof STATS]] : null;
}

const holds = (a: number, op: Op, b: number) =>
  op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;

function show(v: number, unit: Threshold['unit']): string {
  if (unit === 'ms') return `${+v.toFixed(3)}ms`;
  if (unit === 'per_sec') return `${+v.toFixed(1)}/s (${Math.round(v * 60)}/min)`;
  if (unit === 'fraction') return `${+(v * 100).toFixed(4)}%`;
  return String(v);
}

export interface GateResult {
  threshold: string;
  passed: boolean;
  actual: number;
  message: string;
}

export function evaluateThresholds(thresholds: Threshold[], r: BenchReport): GateResult[] {
  return thresholds.map((t) => {
    const actual = actualOf(t, r);
    if (actual === null) {
      return {
        threshold: t.source,
        passed: false,
        actual: NaN,
        message: `${t.source}: no ${t.view === undefined ? t.metric : `e2e of view ${t.view}`} was measured in this run`,
      };
    }
    const passed = holds(actual, t.op, t.value);
    const diff = actual - t.value;
    const by =
      t.value !== 0
        ? ` (by ${show(Math.abs(diff), t.unit)}, ${Math.abs((diff / t.value) * 100).toFixed(1)}%)`
        : '';
    return {
      threshold: t.source,
      passed,
      actual,
      message: passed
        ? `${t.source}: ${show(actual, t.unit)}`
        : `${t.source} failed: measured ${show(actual, t.unit)}, limit ${t.op} ${show(t.value, t.unit)}${by}`,
    };
  });
}

/**
 * Compares latency percentiles (p50/p95/p99) and throughput with a baseline report: a latency that grew, or a
 * throughput that fell, by more than `maxRegression` (a fraction) fails.
 */
export function compareBaseline(
  current: BenchReport,
  baseline: BenchReport,
  maxRegression: number,
): GateResult[] {
  const out: GateResult[] = [];
  for (const name of LATENCY_NAMES) {
    const a = current.latency[name];
    const b = baseline.latency[name];
    if (!a || !b) continue;
    for (const stat of ['p50', 'p95', 'p99'] as const) {
      if (b[stat] <= 0) continue;
      const change = (a[stat] - b[stat]) / b[stat];
      const passed = change <= maxRegression;
      out.push({
        threshold: `baseline ${name}.${stat}`,
        passed,
        actual: a[stat],
        message: `${name}.${stat} ${b[stat]}ms → ${a[stat]}ms (${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%${passed ? '' : `, more than the allowed ${(maxRegression * 100).toFixed(1)}%`})`,
      });
    }
  }
  const ta = current.pipeline.throughput_per_sec;
  const tb = baseline.pipeline.throughput_per_sec;
  if (tb > 0) {
    const change = (tb - ta) / tb;
    const passed = change <= maxRegression;
    out.push({
      threshold: 'baseline throughput',
      passed,
      actual: ta,
      message: `throughput ${tb}/s → ${ta}/s (${change > 0 ? '-' : '+'}${(Math.abs(change) * 100).toFixed(1)}%${passed ? '' : `, a drop of more than ${(maxRegression * 100).toFixed(1)}%`})`,
    });
  }
  return out;
}

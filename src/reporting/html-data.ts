import { decodeHistogram, LATENCY_NAMES, type LatencyName } from './histograms.js';
import type { BenchReport } from './report.js';

/** The smallest latency drawn on a log axis (1 µs, the histograms' resolution): log(0) has no place. */
export const LOG_FLOOR_MS = 0.001;

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

/** x of a percentile on the spectrum axis: 1/(1−p), so 90, 99, 99.9 % are equally spaced on a log scale. */
export function spectrumX(percentile: number, last: number): number {
  return 1 / (1 - Math.min(percentile, last) / 100);
}

export interface StageSpectrum {
  name: LatencyName;
  description: string;
  /** Spectrum points as drawn: x = 1/(1−p), ms floored at LOG_FLOOR_MS. */
  x: number[];
  ms: number[];
  /** The baseline's spectrum of the same stage on the same x, when --baseline was given. */
  baselineMs: number[] | null;
}

function spectrumOn(base64: string, xs: number[]): number[] {
  const h = decodeHistogram(base64);
  return xs.map((x) => Math.max(LOG_FLOOR_MS, h.getValueAtPercentile(100 * (1 - 1 / x)) / 1000));
}

/** One spectrum per measured stage, with the baseline's on the same percentiles. */
export function stageSpectra(r: BenchReport, baseline: BenchReport | null): StageSpectrum[] {
  const out: StageSpectrum[] = [];
  for (const name of LATENCY_NAMES) {
    const s = r.latency[name];
    if (!s) continue;
    const points = percentileSpectrum(s.histogram);
    // The last point is p100; on the 1/(1−p) axis it sits just past the highest finite tick.
    const last = points[points.length - 2]?.percentile ?? 99.9999;
    const x = points.map((p) => spectrumX(p.percentile, last + (100 - last) / 2));
    const b = baseline?.latency[name];
    out.push({
      name,
      description: s.description,
      x,
      ms: points.map((p) => Math.max(LOG_FLOOR_MS, p.ms)),
      baselineMs: b?.histogram ? spectrumOn(b.histogram, x) : null,
    });
  }
  return out;
}

export interface Verdict {
  status: 'passed' | 'failed' | 'ungated';
  headline: string;
  /** Each check: the gate's results, the schedule and --check. */
  checks: { passed: boolean; text: string }[];
}

/** The verdict at the top of the report: what a reviewer wants first. */
export function verdictOf(r: BenchReport): Verdict {
  const checks: Verdict['checks'] = [];
  for (const g of r.gate?.results ?? []) checks.push({ passed: g.passed, text: g.message });
  checks.push({
    passed: r.load.schedule_held,
    text: r.load.schedule_held ? 'schedule held: the load generator kept its pace' : r.load.schedule_note,
  });
  if (r.verification?.checked)
    checks.push({
      passed: r.verification.ok,
      text: r.verification.ok
        ? `--check: ${r.verification.windows} final windows equal the independent recomputation`
        : `--check: ${r.verification.mismatches.length} mismatches`,
    });
  const failed = checks.filter((c) => !c.passed).length;
  const gated = (r.gate?.results.length ?? 0) > 0;
  const status = failed > 0 ? 'failed' : gated ? 'passed' : 'ungated';
  const headline =
    status === 'failed'
      ? `FAILED: ${failed} of ${checks.length} checks`
      : status === 'passed'
        ? `PASSED: all ${checks.length} checks hold`
        : 'no thresholds given (--threshold, --baseline): nothing to pass or fail';
  return { status, headline, checks };
}

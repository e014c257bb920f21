import {
  decodeHistogram,
  encodeHistogram,
  LATENCY_DESCRIPTIONS,
  summarize,
  type LatencyName,
} from './histograms.js';
import type { BenchReport } from './report.js';

/**
 * Merges the latency histograms of several reports: percentiles of the merged histograms are those of one
 * run over all the recorded values (histograms add exactly; percentiles do not).
 */
export function mergeLatencies(reports: Pick<BenchReport, 'latency'>[]): BenchReport['latency'] {
  const merged = new Map<LatencyName, ReturnType<typeof decodeHistogram>>();
  for (const r of reports) {
    for (const [name, s] of Object.entries(r.latency) as [LatencyName, { histogram: string }][]) {
      const h = decodeHistogram(s.histogram);
      const acc = merged.get(name);
      if (acc) acc.add(h);
      else merged.set(name, h);
    }
  }
  const out: BenchReport['latency'] = {};
  for (const [name, h] of merged) {
    out[name] = { description: LATENCY_DESCRIPTIONS[name], ...summarize(h), histogram: encodeHistogram(h) };
  }
  return out;
}

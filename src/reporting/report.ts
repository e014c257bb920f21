import type { LatencyName, LatencyRecorders, LatencySummary } from './histograms.js';
import { LATENCY_DESCRIPTIONS, encodeHistogram, summarize } from './histograms.js';
import type { ResourceInterval, ResourceSummary } from './resources.js';
import type { PresetSection } from '../presets/targets.js';

/**
 * The bench report: the JSON written by `rtap bench --json <file>` (documented in docs/report.md) and the
 * source of the human table. Histograms are embedded (HdrHistogram V2 compressed, base64) so runs can be
 * merged and compared later.
 */
export interface BenchReport {
  rtap_report: 1;
  meta: {
    rtap_version: string;
    git_commit: string | null;
    node: string;
    platform: string;
    cpus: number;
    cpu_model: string;
    started_at: string;
    finished_at: string;
    transport: string;
    config: Record<string, { value: unknown; source: string }>;
  };
  load: {
    profile: string;
    target_rate_per_sec: number;
    duration_ms: number;
    warmup_ms: number;
    produced: number;
    /** Events whose intended send time fell after the warm-up (the measured window). */
    measured: number;
    achieved_rate_per_sec: number;
    /** False when the publish delay grew without bound: the generator could not hold its schedule. */
    schedule_held: boolean;
    schedule_note: string;
  };
  pipeline: {
    consumed: number;
    valid: number;
    dead_letters: number;
    dead_letter_reasons: Record<string, number>;
    late: number;
    duplicates: number;
    results: number;
    final_results: number;
    /** Alerts of the load: raised while events flowed (the end-of-input ones are not in here). */
    alerts: number;
    /**
     * Alerts only the end of input raised (pending timeouts fired as if elapsed): not matches of the load.
     * Absent in reports of older versions.
     */
    alerts_at_end_of_input?: number;
    alerts_at_end_of_input_by_pattern?: Record<string, number>;
    /** Partial matches CEP dropped at its limits (alerts that needed them are lost). Absent in older reports. */
    partial_matches_evicted?: number;
    max_lag: number;
    throughput_per_sec: number;
    throughput_per_min: number;
    error_rate: number;
  };
  latency: Partial<Record<LatencyName, LatencySummary & { description: string; histogram: string }>>;
  /** End-to-end latency per result view (summaries only). */
  e2e_by_view: Record<string, LatencySummary>;
  resources: ResourceSummary;
  intervals: IntervalRow[];
  sinks: Record<string, Record<string, number>>;
  verification?: { checked: boolean; ok: boolean; windows: number; mismatches: string[] };
  gate?: {
    passed: boolean;
    results: { threshold: string; passed: boolean; actual: number; message: string }[];
  };
  /** --preset: the reference document's targets next to the measured figures (docs/presets.md). */
  preset?: PresetSection;
}

export interface IntervalRow {
  /** Seconds since the start of the run (end of the interval). */
  t: number;
  produced: number;
  consumed: number;
  /** null: unknown (the broker did not answer). */
  lag: number | null;
  latency: Partial<Record<LatencyName, { count: number; p50: number; p99: number; max: number }>>;
  /** Process resources over the interval (absent in reports of older versions). */
  resources?: ResourceInterval;
}

export function e2eByViewSection(rec: LatencyRecorders): BenchReport['e2e_by_view'] {
  return Object.fromEntries(
    [...rec.e2eByView].sort(([a], [b]) => a.localeCompare(b)).map(([view, h]) => [view, summarize(h)]),
  );
}

export function latencySection(rec: LatencyRecorders): BenchReport['latency'] {
  const out: BenchReport['latency'] = {};
  for (const [name, h] of rec.total) {
    if (h.totalCount === 0) continue;
    out[name] = {
      description: LATENCY_DESCRIPTIONS[name],
      ...rec.summary(name),
      histogram: encodeHistogram(h),
    };
  }
  return out;
}

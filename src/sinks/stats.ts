import type { Sink, SinkStats } from './types.js';

/** Every sink's counters by sink name, for summaries and /metrics (names are unique within a run). */
export function sinkStatsOf(sinks: readonly Sink[]): Record<string, SinkStats> {
  return Object.fromEntries(sinks.map((s) => [s.name, s.stats()]));
}

/** The counters every sink reports, in the order summaries show them. */
export const SINK_COUNTERS = ['written', 'retried', 'buffered', 'failed'] as const;

import type { Histogram } from 'hdr-histogram-js';
import type { Alert, ViewResult } from '../../events/results.js';
import type { LiveSnapshot, LiveStats } from '../../pipeline/live-stats.js';
import { intervalQuantiles, type LatencyName } from '../../reporting/histograms.js';
import type { DashboardFeed, FeedListener } from '../feed.js';
import type { HealthSample, LatencyQuantiles } from '../types.js';

const STAGES = ['ingest', 'e2e', 'alert'] as const satisfies readonly LatencyName[];

export function healthFromSnapshot(
  s: LiveSnapshot,
  quantiles: Partial<Record<LatencyName, LatencyQuantiles>>,
): HealthSample {
  const c = s.counters;
  const latency: HealthSample['latency'] = {};
  for (const stage of STAGES) if (quantiles[stage]) latency[stage] = quantiles[stage];
  return {
    at: s.at,
    throughputPerSec: s.consumedPerSec,
    producedPerSec: s.producedPerSec,
    resultsPerSec: s.resultsPerSec,
    alertsPerSec: s.alertsPerSec,
    latency,
    lag: s.lag.total,
    watermarkLagMs: s.watermarkLagMs,
    consumed: c.consumed,
    deadLetters: c.deadLetters,
    // Malformed records are what the reference's error rate counts; late events are dead-lettered too but
    // are not errors.
    errorRate: c.consumed ? (c.consumed - c.valid) / c.consumed : null,
    results: c.results,
    alerts: c.alerts,
    sinks: s.sinks,
  };
}

/**
 * The in-process feed: the processor's 'result' and 'alert' events as they are delivered, and one health
 * sample per LiveStats snapshot. P95 comes from the interval histograms behind the snapshot (LiveStats
 * itself only summarises P50/P99).
 */
export function liveStatsFeed(live: LiveStats, description = 'in-process pipeline'): DashboardFeed {
  return {
    description,
    subscribe(l: FeedListener) {
      let quantiles: Partial<Record<LatencyName, LatencyQuantiles>> = {};
      const onResult = (r: ViewResult) => l.result(r);
      const onAlert = (a: Alert) => l.alert(a);
      const onInterval = (hs: Map<LatencyName, Histogram>) => {
        quantiles = {};
        for (const stage of STAGES) {
          const h = hs.get(stage);
          if (!h || h.totalCount === 0) continue;
          quantiles[stage] = intervalQuantiles(h);
        }
      };
      const onSnapshot = (s: LiveSnapshot) => l.health(healthFromSnapshot(s, quantiles));
      live.processor.on('result', onResult);
      live.processor.on('alert', onAlert);
      live.on('interval', onInterval);
      live.on('snapshot', onSnapshot);
      return () => {
        live.processor.off('result', onResult);
        live.processor.off('alert', onAlert);
        live.off('interval', onInterval);
        live.off('snapshot', onSnapshot);
      };
    },
    async close() {},
  };
}

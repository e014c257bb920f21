import { EventEmitter } from 'node:events';
import type { Histogram } from 'hdr-histogram-js';
import { intervalQuantiles, type LatencyName, type LatencyRecorders } from '../reporting/histograms.js';
import type { SinkStats } from '../sinks/types.js';
import type { Clock } from '../time/clock.js';
import type { ProcessorCounters } from './counters.js';
import type { ProcessorEvents } from './processor.js';

/** What live stats read: a Processor, or a file run (file-run.ts). */
export interface PipelineSource extends EventEmitter<ProcessorEvents> {
  readonly counters: ProcessorCounters;
  readonly lag: Map<string, number>;
  watermark(): number;
  /** null: unknown (the broker does not answer). */
  totalLag(): number | null;
  /** Counters of the pipeline's sinks, by sink name. */
  sinkStats(): Record<string, SinkStats>;
}

/** One periodic sample of a running pipeline: what live views (terminal UI, dashboard, bench) show. */
export interface LiveSnapshot {
  /** Wall time of the sample, epoch ms. */
  at: number;
  /** Seconds since the stats started. */
  uptimeS: number;
  /** Events produced by an in-process generator (bench, run); null when the producer is elsewhere. */
  produced: number | null;
  producedPerSec: number | null;
  consumedPerSec: number;
  resultsPerSec: number;
  alertsPerSec: number;
  /** total null: unknown (the broker does not answer). */
  lag: { total: number | null; partitions: Record<string, number> };
  /** Pipeline watermark (event time), null before the first event. */
  watermark: number | null;
  /** Wall time minus watermark: how far event time trails behind now. */
  watermarkLagMs: number | null;
  /** Latency percentiles over the last interval only (ms). */
  latency: Partial<Record<LatencyName, { count: number; p50: number; p99: number; max: number }>>;
  counters: ProcessorCounters;
  /** Every sink's counters (written, retried, buffered, failed and its own), by sink name. */
  sinks: Record<string, SinkStats>;
}

/**
 * Samples a running processor once per interval. It is the only reader of the recorders' interval
 * histograms, so every live view sees the same numbers.
 */
export interface LiveStatsEvents {
  snapshot: [LiveSnapshot];
  /** The raw interval histograms behind a snapshot (for HDR interval logs). */
  interval: [Map<LatencyName, Histogram>, { startMs: number; endMs: number }];
}

export class LiveStats extends EventEmitter<LiveStatsEvents> {
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private last = { at: 0, consumed: 0, results: 0, alerts: 0, produced: 0 };
  private ring: LiveSnapshot[] = [];
  private latestSnapshot: LiveSnapshot | null = null;

  constructor(
    readonly processor: PipelineSource,
    private readonly recorders: LatencyRecorders,
    private readonly clock: Clock,
    private readonly options: { intervalMs?: number; historySize?: number; produced?: () => number } = {},
  ) {
    super();
  }

  start(): void {
    this.startedAt = this.clock.now();
    this.last = { at: this.startedAt, consumed: 0, results: 0, alerts: 0, produced: 0 };
    this.timer = setInterval(() => this.sample(), this.options.intervalMs ?? 1000);
  }

  /** Takes a sample now (also called by the timer). */
  sample(): LiveSnapshot {
    const now = this.clock.now();
    const dt = Math.max(1e-3, (now - this.last.at) / 1000);
    const c = this.processor.counters;
    const produced = this.options.produced?.() ?? null;
    const latency: LiveSnapshot['latency'] = {};
    const histograms = this.recorders.takeInterval();
    this.emit('interval', histograms, { startMs: this.last.at, endMs: now });
    for (const [name, h] of histograms) {
      if (h.totalCount === 0) continue;
      const s = intervalQuantiles(h);
      latency[name] = { count: s.count, p50: s.p50, p99: s.p99, max: s.max };
    }
    const wm = this.processor.watermark();
    const snap: LiveSnapshot = {
      at: now,
      uptimeS: Math.round((now - this.startedAt) / 100) / 10,
      produced,
      producedPerSec: produced === null ? null : (produced - this.last.produced) / dt,
      consumedPerSec: (c.consumed - this.last.consumed) / dt,
      resultsPerSec: (c.results - this.last.results) / dt,
      alertsPerSec: (c.alerts - this.last.alerts) / dt,
      lag: { total: this.processor.totalLag(), partitions: Object.fromEntries(this.processor.lag) },
      watermark: Number.isFinite(wm) ? wm : null,
      watermarkLagMs: Number.isFinite(wm) ? Math.max(0, now - wm) : null,
      latency,
      counters: { ...c, deadLetterReasons: { ...c.deadLetterReasons } },
      sinks: this.processor.sinkStats(),
    };
    this.last = {
      at: now,
      consumed: c.consumed,
      results: c.results,
      alerts: c.alerts,
      produced: produced ?? 0,
    };
    this.ring.push(snap);
    if (this.ring.length > (this.options.historySize ?? 600)) this.ring.shift();
    this.latestSnapshot = snap;
    this.emit('snapshot', snap);
    return snap;
  }

  latest(): LiveSnapshot | null {
    return this.latestSnapshot;
  }

  history(): LiveSnapshot[] {
    return [...this.ring];
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

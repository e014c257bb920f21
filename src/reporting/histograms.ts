import * as hdr from 'hdr-histogram-js';

/**
 * Latency recorders (docs/report.md, "Latencies"). Values are recorded in microseconds as
 * integers in HDR histograms (3 significant digits, auto-resizing), reported in milliseconds.
 */
export const LATENCY_NAMES = [
  'publish',
  'ack',
  'ingest',
  'window_close',
  'e2e',
  'alert',
  'sink_write',
] as const;
export type LatencyName = (typeof LATENCY_NAMES)[number];

export const LATENCY_DESCRIPTIONS: Record<LatencyName, string> = {
  publish: 'publish delay: actual send − intended send',
  ack: 'ack latency: broker acknowledgement − actual send',
  ingest: 'ingest latency: processor receipt − intended send',
  window_close: 'window close latency: result delivered − window end (includes the watermark wait)',
  e2e: 'end-to-end: result delivered − intended send of the last contributing event',
  alert: 'alert latency: alert delivered − intended send of the completing event',
  sink_write: 'sink write latency: sink acknowledgement − write start',
};

export const PERCENTILES = [50, 90, 95, 99, 99.9] as const;

export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export function newHistogram(): hdr.Histogram {
  return hdr.build({
    bitBucketSize: 64,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

export function summarize(h: hdr.Histogram): LatencySummary {
  const ms = (us: number) => Math.round(us) / 1000;
  if (h.totalCount === 0)
    return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  return {
    count: h.totalCount,
    min: ms(h.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : h.minNonZeroValue),
    mean: ms(h.mean),
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    // Like HdrHistogram's getMaxValue: the highest value equivalent to the recorded max, so a merged
    // histogram (rebuilt from counts) reports the same max as the original.
    max: ms(h.getValueAtPercentile(100)),
  };
}

/**
 * What a once-a-second view shows of an interval: count, p50, p95, p99 and max, without the mean (which
 * hdr-histogram-js computes by iterating every recorded bucket with an object per step: 34 ms per sample
 * of seven histograms draining a backlog, 5 % of the main thread).
 */
export function intervalQuantiles(h: hdr.Histogram): {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
} {
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    max: ms(h.getValueAtPercentile(100)),
  };
}

export function encodeHistogram(h: hdr.Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(base64: string): hdr.Histogram {
  const decoded = hdr.decodeFromCompressedBase64(base64, 64, false);
  // Decoded histograms have a fixed range; copy into an auto-resizing one so merges never overflow.
  const h = newHistogram();
  h.add(decoded);
  return h;
}

/**
 * One histogram per latency name, plus an interval histogram per name for time series and HDR logs.
 * A value is recorded once, into a pending histogram, and pending counts are added to both the total
 * and the interval whenever either is read: at 20k events/s recording every ingest latency twice was a
 * measurable share of the main thread (a histogram add costs its bucket count, once per read).
 */
export class LatencyRecorders {
  private readonly totals = new Map<LatencyName, hdr.Histogram>();
  private interval = new Map<LatencyName, hdr.Histogram>();
  private readonly pending = new Map<LatencyName, hdr.Histogram>();
  /** When false, values are dropped (e.g. while draining at the end of a run). */
  recording = true;
  /** Latencies whose origin (intended send time, window end) is before this are warm-up: not recorded. */
  measureFrom = -Infinity;

  constructor(readonly names: readonly LatencyName[] = LATENCY_NAMES) {
    for (const n of names) {
      this.totals.set(n, newHistogram());
      this.interval.set(n, newHistogram());
      this.pending.set(n, newHistogram());
    }
  }

  /** Every value recorded so far, by name. */
  get total(): ReadonlyMap<LatencyName, hdr.Histogram> {
    this.fold();
    return this.totals;
  }

  private fold(): void {
    for (const [name, p] of this.pending) {
      if (p.totalCount === 0) continue;
      this.totals.get(name)!.add(p);
      this.interval.get(name)!.add(p);
      p.reset();
    }
  }

  /** Records a latency in milliseconds (negative values, from clock skew, count as 0). */
  record(name: LatencyName, ms: number, count = 1): void {
    if (!this.recording) return;
    const us = Math.max(0, Math.round(ms * 1000));
    if (count === 1) this.pending.get(name)!.recordValue(us);
    else this.pending.get(name)!.recordValueWithCount(us, count);
  }

  /** Records `at − origin` unless the origin falls in the warm-up. */
  recordFrom(name: LatencyName, origin: number, at: number, count = 1): void {
    if (origin >= this.measureFrom) this.record(name, at - origin, count);
  }

  /** End-to-end latency per result view: a sparse 5-minute view and the 5 s real-time view differ by design. */
  readonly e2eByView = new Map<string, hdr.Histogram>();

  recordViewE2e(view: string, origin: number, at: number): void {
    if (!this.recording || origin < this.measureFrom) return;
    let h = this.e2eByView.get(view);
    if (!h) this.e2eByView.set(view, (h = newHistogram()));
    h.recordValue(Math.max(0, Math.round((at - origin) * 1000)));
  }

  summary(name: LatencyName): LatencySummary {
    return summarize(this.total.get(name)!);
  }

  /** Returns the histograms accumulated since the previous call and starts new ones. */
  takeInterval(): Map<LatencyName, hdr.Histogram> {
    this.fold();
    const out = this.interval;
    this.interval = new Map(this.names.map((n) => [n, newHistogram()]));
    return out;
  }
}

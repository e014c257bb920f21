import type { Alert, ViewResult } from '../events/results.js';
import type { HealthSample } from './types.js';

/** What a feed delivers to the dashboard, synchronously, as it happens. */
export interface FeedListener {
  result(result: ViewResult): void;
  alert(alert: Alert): void;
  /** About once a second: throughput, latency, lag, errors. */
  health(sample: HealthSample): void;
}

/**
 * Where the dashboard's data comes from: in-process (a running Processor and its LiveStats, see
 * feeds/live.ts) or the pipeline's output topics (feeds/topics.ts, for a standalone `rtap dashboard`).
 */
export interface DashboardFeed {
  /** Shown on the page and in /health. */
  readonly description: string;
  /** Starts delivery to the listener; returns the unsubscribe. */
  subscribe(listener: FeedListener): () => void;
  /** Releases what the feed opened itself (a consumer); the in-process feed owns nothing. */
  close(): Promise<void>;
}

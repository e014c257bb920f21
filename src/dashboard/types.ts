/**
 * The dashboard's data model: what the store keeps, what the REST endpoints return and what the page
 * receives over the WebSocket. Plain JSON shapes, shared by server and (structurally) the page.
 */
import type { Alert, Severity } from '../events/results.js';

/** Latency quantiles of one interval, milliseconds. */
export interface LatencyQuantiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** One sample of pipeline health (once a second from the feed). */
export interface HealthSample {
  /** Wall time of the sample, epoch ms. */
  at: number;
  /** Events per second the pipeline consumed (in-process), or the event rate its results report (topics). */
  throughputPerSec: number;
  /** Events per second an in-process generator produced; null when the producer is elsewhere. */
  producedPerSec: number | null;
  resultsPerSec: number;
  alertsPerSec: number;
  /** Latencies of the last interval; a stage is absent when nothing was measured in it. */
  latency: { ingest?: LatencyQuantiles; e2e?: LatencyQuantiles; alert?: LatencyQuantiles };
  /** Consumer lag in records (the processor's in-process; the dashboard's own consumer standalone). */
  lag: number | null;
  /** Wall time minus the pipeline watermark, ms. */
  watermarkLagMs: number | null;
  /** Totals since start; null when the feed cannot know them. */
  consumed: number | null;
  deadLetters: number;
  /** Share of consumed records that were malformed; null when unknown. */
  errorRate: number | null;
  results: number;
  alerts: number;
  /**
   * Counters of the pipeline's sinks by sink name (written, retried, buffered, failed, and each sink's
   * own); absent when the feed cannot see the sinks (the standalone dashboard).
   */
  sinks?: Record<string, Record<string, number>>;
}

export type TileId =
  'page_views_per_sec' | 'active_users' | 'bounce_rate' | 'conversion_rate' | 'revenue' | 'aov';

export interface Tile {
  id: TileId;
  label: string;
  /** How the page formats it. */
  format: 'rate' | 'count' | 'percent' | 'money';
  /** Currency of a money tile. */
  currency?: string;
  /**
   * Which way is good news: the page colours a rising bounce rate red. 'up' by default.
   */
  better?: 'up' | 'down';
  /** View and window the value comes from. */
  view: string;
  value: number | null;
  /** Value of the previous complete window (the delta's base); null when there is none. */
  previous: number | null;
  window_start: number | null;
  window_end: number | null;
  /** True while the value comes from a window still open (an early result). */
  partial: boolean;
  /** Why there is no change shown, when there is a reason beyond "no previous window". */
  note?: string;
}

export interface KpiRecord {
  window_start: number;
  window_end: number;
  emit: 'final' | 'early';
  events: number;
  sessions: number | null;
  /** Revenue converted into `currency` with the rate table (docs/currency.md); null without purchases. */
  revenue: number | null;
  /** revenue / purchases, in `currency`. */
  aov: number | null;
  /** The reporting currency of revenue and aov. */
  currency: string;
  /** Revenue as purchased, per currency: never added across currencies. */
  revenue_by_currency: Record<string, number>;
  /** Amounts in currencies the rate table lacks: left out of revenue and aov. */
  unconverted_revenue: Record<string, number>;
  funnel: FunnelCounts;
  latency_p95_ms: number | null;
  counts_by_type: Record<string, number>;
}

/** The shop funnel: product pages seen, then the cart, checkout and purchase conversions. */
export interface FunnelCounts {
  product_views: number;
  add_to_cart: number;
  checkout: number;
  purchase: number;
}

export interface FunnelSummary {
  minutes_back: number;
  /** Window range covered (event time); null when there are no KPI windows in range. */
  from: number | null;
  to: number | null;
  windows: number;
  steps: { step: keyof FunnelCounts; count: number }[];
  rates: {
    view_to_cart: number | null;
    cart_to_checkout: number | null;
    checkout_to_purchase: number | null;
    view_to_purchase: number | null;
  };
}

export interface Ranked {
  key: string;
  views: number;
}

export interface TopContent {
  window_start: number;
  window_end: number;
  partial: boolean;
  pages: Ranked[];
  products: Ranked[];
}

export interface Geo {
  window_start: number;
  window_end: number;
  partial: boolean;
  countries: { country: string; events: number }[];
}

export interface TrafficPoint {
  /** Window end, epoch ms. */
  t: number;
  page_views_per_sec: number | null;
  events_per_sec: number | null;
  active_users: number | null;
}

export interface HealthPoint {
  t: number;
  throughput: number;
  ingest_p99: number | null;
  e2e_p95: number | null;
  e2e_p99: number | null;
  lag: number | null;
}

/** Everything the page shows; sent whole on connect and after a slow client catches up. */
export interface DashboardSnapshot {
  feed: string;
  tiles: Tile[];
  funnel: FunnelSummary;
  top: TopContent | null;
  geo: Geo | null;
  health: HealthSample | null;
  series: { traffic: TrafficPoint[]; health: HealthPoint[] };
  alerts: Alert[];
}

/** Changes since the previous batch; sections are replaced whole, points and alerts are upserted/appended. */
export interface DashboardDelta {
  tiles?: Tile[];
  funnel?: FunnelSummary;
  top?: TopContent;
  geo?: Geo;
  health?: HealthSample;
  traffic?: TrafficPoint[];
  healthPoints?: HealthPoint[];
  alerts?: Alert[];
}

export interface WireMessageBase {
  seq: number;
  /** Server wall time when the batch was built, epoch ms (fan-out latency origin). */
  ts: number;
  /** How old the newest data was when the batch was built, ms; null before any data. */
  age_ms: number | null;
}

export type WireMessage =
  | (WireMessageBase & { type: 'init'; state: DashboardSnapshot })
  | (WireMessageBase & { type: 'update'; delta: DashboardDelta });

export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

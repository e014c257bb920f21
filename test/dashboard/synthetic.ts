/**
 * Test helpers: a feed the test drives by hand, and builders of view results and alerts shaped like the
 * engine's (src/engine/views) and CEP's output.
 */
import type { Alert, FieldValue, Severity, ViewResult } from '../../src/events/results.js';
import type { DashboardFeed, FeedListener } from '../../src/dashboard/feed.js';
import type { HealthSample } from '../../src/dashboard/types.js';

export class ManualFeed implements DashboardFeed {
  readonly description = 'manual test feed';
  private listeners = new Set<FeedListener>();
  subscribe(l: FeedListener) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  async close() {}
  get subscribers(): number {
    return this.listeners.size;
  }
  result(r: ViewResult) {
    for (const l of this.listeners) l.result(r);
  }
  alert(a: Alert) {
    for (const l of this.listeners) l.alert(a);
  }
  health(h: HealthSample) {
    for (const l of this.listeners) l.health(h);
  }
}

export function result(
  view: string,
  windowStart: number,
  windowMs: number,
  fields: Record<string, FieldValue>,
  emit: 'final' | 'early' = 'final',
  key = '',
): ViewResult {
  return {
    view,
    key,
    window_start: windowStart,
    window_end: windowStart + windowMs,
    emit,
    emitted_at: windowStart + windowMs + 3000,
    watermark: windowStart + windowMs,
    last_intended_send_time: windowStart + windowMs - 10,
    event_count: typeof fields.events === 'number' ? fields.events : 0,
    fields,
  };
}

export function realtime(
  windowStart: number,
  pageViews: number,
  users: number,
  bounced: number,
  ended: number,
  emit: 'final' | 'early' = 'final',
): ViewResult {
  return result(
    'realtime',
    windowStart,
    5000,
    {
      events: pageViews * 2,
      events_per_sec: (pageViews * 2) / 5,
      page_views: pageViews,
      page_views_per_sec: pageViews / 5,
      active_users: users,
      sessions_ended: ended,
      bounce_rate: ended ? bounced / ended : null,
      avg_session_duration_ms: null,
    },
    emit,
  );
}

/**
 * A kpis result like the engine's: `steps` is the shop funnel (product views, carts, checkouts,
 * purchases); the view's own funnel.views counts every page view, three times as many here, so a reader
 * that takes page views for product views shows. `revenue` is in USD unless `byCurrency` splits it.
 */
export function kpis(
  windowStart: number,
  steps: [number, number, number, number],
  revenue: number,
  emit: 'final' | 'early' = 'final',
  byCurrency: Record<string, number> = { USD: revenue },
): ViewResult {
  const [productViews, carts, checkouts, purchases] = steps;
  const views = 3 * productViews + 1;
  return result(
    'kpis',
    windowStart,
    60_000,
    {
      events: views + productViews + carts + checkouts + purchases,
      sessions: Math.ceil(views / 3),
      counts_by_type: { page_view: views, view_product: productViews, purchase: purchases },
      funnel: {
        views,
        add_to_cart: carts,
        checkout: checkouts,
        purchase: purchases,
        view_to_cart: null,
        cart_to_checkout: null,
        checkout_to_purchase: null,
        view_to_purchase: null,
      },
      // As the engine computes them: the amounts of every currency added as they are.
      revenue: Object.values(byCurrency).reduce((a, b) => a + b, 0),
      revenue_by_currency: byCurrency,
      aov: purchases ? Object.values(byCurrency).reduce((a, b) => a + b, 0) / purchases : null,
      latency_p50_ms: 40,
      latency_p95_ms: 90,
      latency_p99_ms: 120,
    },
    emit,
  );
}

export function business(
  windowStart: number,
  users: number,
  buyers: number,
  pages: [string, number][],
  countries: Record<string, number>,
  emit: 'final' | 'early' = 'final',
): ViewResult {
  return result(
    'business',
    windowStart,
    60_000,
    {
      events: Object.values(countries).reduce((a, b) => a + b, 0),
      active_users: users,
      buyers,
      conversion_rate: users ? buyers / users : null,
      purchases: buyers,
      revenue: buyers * 50,
      revenue_by_currency: { USD: buyers * 50 },
      revenue_per_user: null,
      revenue_per_buyer: null,
      top_pages: pages.map(([key, views]) => ({ key, views })),
      top_products: [{ key: 'prod-1', views: 7 }],
      events_by_country: countries,
    },
    emit,
  );
}

let alertSeq = 0;
export function alert(
  severity: Severity,
  message: string,
  detectedAt: number,
  pattern = 'fraud_velocity',
  key = 'user-1',
): Alert {
  alertSeq++;
  return {
    alert_id: `alert-${alertSeq}`,
    pattern,
    severity,
    key,
    message,
    events: [],
    first_event_time: detectedAt - 1000,
    last_event_time: detectedAt - 10,
    detected_at: detectedAt,
    trigger_intended_send_time: detectedAt - 20,
  };
}

export function health(at: number, throughput: number, over: Partial<HealthSample> = {}): HealthSample {
  return {
    at,
    throughputPerSec: throughput,
    producedPerSec: throughput,
    resultsPerSec: 3,
    alertsPerSec: 0.1,
    latency: {
      ingest: { count: 100, p50: 2, p95: 5, p99: 9, max: 12 },
      e2e: { count: 3, p50: 3100, p95: 3300, p99: 3400, max: 3450 },
    },
    lag: 4,
    watermarkLagMs: 2500,
    consumed: 1000,
    deadLetters: 2,
    errorRate: 0.002,
    results: 50,
    alerts: 1,
    ...over,
  };
}

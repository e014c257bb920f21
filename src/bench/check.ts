import type { ViewResult } from '../events/results.js';
import type { AnalyticsEvent } from '../events/types.js';

/**
 * `rtap bench --check`: the run's final results against a batch recomputation over the same events, as
 * the Yahoo streaming benchmark verifies its windows. Deliberately written without the engine's code:
 * its own bucketing, dedup and field rules, so a bug shared by both cannot cancel out.
 *
 * The reference takes every produced valid event once (first occurrence of an event_id), minus those the
 * engine reported late (they were dead-lettered and counted, so they are excluded by design), and checks:
 *   realtime (5 s): events, page_views, active_users
 *   kpis (1 min):   events, revenue (to 1e-6 relative)
 */
export interface CheckOutcome {
  checked: boolean;
  ok: boolean;
  windows: number;
  mismatches: string[];
}

interface Bucket {
  events: number;
  views: number;
  users: Set<string>;
  revenue: number;
}

// The web-analytics family (docs/views.md): page views and purchase conversions.
const isPageView = (e: AnalyticsEvent) => e.event_type === 'page_view';

function orderValue(e: AnalyticsEvent): number | null {
  return e.event_type === 'conversion' && e.conversion_type === 'purchase' ? (e.revenue ?? 0) : null;
}

function buckets(events: Iterable<AnalyticsEvent>, sizeMs: number): Map<number, Bucket> {
  const out = new Map<number, Bucket>();
  for (const e of events) {
    const start = e.event_time - (((e.event_time % sizeMs) + sizeMs) % sizeMs);
    let b = out.get(start);
    if (!b) out.set(start, (b = { events: 0, views: 0, users: new Set(), revenue: 0 }));
    b.events++;
    if (isPageView(e)) b.views++;
    b.users.add(e.user_id);
    const v = orderValue(e);
    if (v !== null) b.revenue += v;
  }
  return out;
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));

export function verifyResults(
  produced: AnalyticsEvent[],
  lateIds: Set<string>,
  finals: ViewResult[],
  windows: { realtimeMs: number; kpisMs: number } = { realtimeMs: 5_000, kpisMs: 60_000 },
): CheckOutcome {
  const seen = new Set<string>();
  const accepted: AnalyticsEvent[] = [];
  for (const e of produced) {
    if (seen.has(e.event_id)) continue;
    seen.add(e.event_id);
    if (!lateIds.has(e.event_id)) accepted.push(e);
  }
  const mismatches: string[] = [];
  let compared = 0;
  const compare = (view: string, sizeMs: number, fields: (b: Bucket) => Record<string, number>) => {
    const expected = buckets(accepted, sizeMs);
    const got = new Map<number, ViewResult>();
    for (const r of finals) {
      if (r.view !== view) continue;
      if (got.has(r.window_start)) mismatches.push(`${view} window ${r.window_start}: emitted final twice`);
      got.set(r.window_start, r);
    }
    if (got.size === 0 && expected.size > 0) return; // view not enabled in this run
    for (const [start, b] of expected) {
      const r = got.get(start);
      compared++;
      if (!r) {
        mismatches.push(
          `${view} window ${new Date(start).toISOString()}: no final result (expected ${b.events} events)`,
        );
        continue;
      }
      for (const [field, want] of Object.entries(fields(b))) {
        const have = r.fields[field];
        if (typeof have !== 'number' || !close(have, want)) {
          mismatches.push(
            `${view} window ${new Date(start).toISOString()} ${field}: engine ${JSON.stringify(have)}, recomputed ${want}`,
          );
        }
      }
    }
    for (const [start, r] of got) {
      if (!expected.has(start) && r.event_count > 0)
        mismatches.push(
          `${view} window ${new Date(start).toISOString()}: result with ${r.event_count} events, none expected`,
        );
    }
  };
  compare('realtime', windows.realtimeMs, (b) => ({
    events: b.events,
    page_views: b.views,
    active_users: b.users.size,
  }));
  compare('kpis', windows.kpisMs, (b) => ({ events: b.events, revenue: b.revenue }));
  return { checked: true, ok: mismatches.length === 0 && compared > 0, windows: compared, mismatches };
}

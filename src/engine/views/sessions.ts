import { eventKind, type AnalyticsEvent } from '../../events/types.js';
import { exactSum, max, min } from '../aggregations.js';
import { session } from '../windows.js';
import { FUNNEL_STEPS, revenueOf, webFunnelBit } from './classify.js';
import type { ViewContext, ViewSpec } from './spec.js';

/** One journey step: [event time, event id, label]; ordered by time, then id, so merges are deterministic. */
type Step = [number, string, string];

interface Acc {
  first: number;
  last: number;
  events: number;
  pageDepth: number;
  steps: number;
  purchases: number;
  /** Exact partials (aggregations.ts exactSum): the sum must not depend on the topics' interleaving. */
  revenue: number[];
  /** The earliest `journeyLimit` steps, sorted. */
  journey: Step[];
}

function label(e: AnalyticsEvent): string {
  if (e.event_type === 'page_view') return e.page_url;
  if (e.event_type === 'product_view') return `product:${e.product_id}`;
  return eventKind(e);
}

function before(a: Step, b: Step): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

/** Inserts keeping the list sorted and at most `limit` long; in-order events append in O(1). */
function insertStep(list: Step[], step: Step, limit: number): void {
  let i = list.length;
  while (i > 0 && before(step, list[i - 1])) i--;
  if (i >= limit) return;
  if (i === list.length) list.push(step);
  else list.splice(i, 0, step);
  if (list.length > limit) list.length = limit;
}

/** Whether a step at (time, id) would make the journey: checked first so full journeys allocate nothing. */
function fits(list: Step[], time: number, id: string, limit: number): boolean {
  if (list.length < limit) return true;
  const last = list[list.length - 1];
  return time < last[0] || (time === last[0] && id < last[1]);
}

/**
 * 000 "Session analytics" / 004 "sessionize (30-minute gap)": per user, page depth, journey and the
 * view → cart → checkout → purchase funnel. Sessions are built from user activity: session lifecycle events
 * are keyed by session_id in 000 and so live on other partitions than the user's other events; the view
 * leaves them to `realtime`, which reads their durations and page counts.
 */
export function sessionsView(ctx: ViewContext, gapMs: number): ViewSpec<Acc> {
  const limit = ctx.journeyLimit;
  return {
    name: 'sessions',
    window: session(gapMs, 'sessions view'),
    // Numbers (first/last are set by the session's first event), ids, labels, exact-sum partials.
    jsonSafe: true,
    key: (e) => (e.event_type === 'session' ? null : e.user_id),
    create: () => ({
      first: Infinity,
      last: -Infinity,
      events: 0,
      pageDepth: 0,
      steps: 0,
      purchases: 0,
      revenue: [],
      journey: [],
    }),
    add(a, e, ts) {
      a.first = min.add(a.first, ts);
      a.last = max.add(a.last, ts);
      a.events++;
      const bit = webFunnelBit(e);
      a.steps |= bit;
      if (bit === 1) a.pageDepth++;
      else if (bit === 8) {
        a.purchases++;
        exactSum.add(a.revenue, revenueOf(e));
      }
      if (fits(a.journey, ts, e.event_id, limit)) insertStep(a.journey, [ts, e.event_id, label(e)], limit);
    },
    merge(a, b) {
      a.first = min.merge(a.first, b.first);
      a.last = max.merge(a.last, b.last);
      a.events += b.events;
      a.pageDepth += b.pageDepth;
      a.steps |= b.steps;
      a.purchases += b.purchases;
      exactSum.merge(a.revenue, b.revenue);
      for (const s of b.journey) insertStep(a.journey, s, limit);
    },
    result(a, r) {
      const funnel: Record<string, boolean> = {};
      FUNNEL_STEPS.forEach((name, i) => (funnel[name] = (a.steps & (1 << i)) !== 0));
      let depth = 0;
      while (depth < 4 && a.steps & (1 << depth)) depth++;
      return {
        user_id: r.key,
        first_event_time: a.first,
        last_event_time: a.last,
        duration_ms: a.last - a.first,
        events: a.events,
        page_depth: a.pageDepth,
        bounced: a.pageDepth <= 1,
        journey: a.journey.map((s) => s[2]),
        journey_truncated: a.events > a.journey.length,
        funnel,
        funnel_depth: depth,
        purchases: a.purchases,
        revenue: exactSum.result(a.revenue),
        converted: a.purchases > 0,
      };
    },
  };
}

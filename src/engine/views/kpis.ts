import { eventKind, type AnalyticsEvent } from '../../events/types.js';
import { addToKey, ratio, sortedObject, sumByKey, type DistinctState } from '../aggregations.js';
import { tumbling } from '../windows.js';
import { currencyOf, revenueOf, webFunnelBit } from './classify.js';
import { DenseHistogram } from '../histogram.js';
import type { ViewContext, ViewSpec } from './spec.js';

interface Acc {
  events: number;
  sessions: DistinctState;
  byKind: Map<string, number>;
  steps: [number, number, number, number];
  revenue: number;
  revenueByCurrency: Map<string, number>;
  /** Exact histogram of intended send times (1 ms cells). */
  ist: DenseHistogram;
}

/**
 * Latency percentiles (nearest rank) of emittedAt - intended_send_time over the window's events, from the
 * exact histogram of intended send times: latency rank k from the bottom is send-time rank k from the top.
 */
function latencyPercentiles(a: Acc, emittedAt: number, qs: number[]): (number | null)[] {
  const n = a.ist.total;
  return qs.map((q) => {
    const latest = a.ist.kthLargest(Math.max(1, Math.ceil(q * n)));
    return latest === null ? null : emittedAt - latest;
  });
}

/** 004 "1-minute KPIs": sessions, counts by type, funnel rates, revenue, AOV, P95 end-to-end latency. */
export function kpisView(ctx: ViewContext, windowMs = 60_000): ViewSpec<Acc> {
  const d = ctx.distinct;
  const create = (): Acc => ({
    events: 0,
    sessions: d.init(),
    byKind: new Map(),
    steps: [0, 0, 0, 0],
    revenue: 0,
    revenueByCurrency: new Map(),
    ist: new DenseHistogram(),
  });
  /** Everything but the distinct sessions (merged by merge(), or as one union by combine()). */
  const mergeCounts = (a: Acc, b: Acc) => {
    a.events += b.events;
    sumByKey.merge(a.byKind, b.byKind);
    for (let i = 0; i < 4; i++) a.steps[i] += b.steps[i];
    a.revenue += b.revenue;
    sumByKey.merge(a.revenueByCurrency, b.revenueByCurrency);
    a.ist.merge(b.ist);
  };
  return {
    name: 'kpis',
    window: tumbling(windowMs, 'kpis view window'),
    key: () => '',
    create,
    add(a, e: AnalyticsEvent, _eventTime, sendTime) {
      a.events++;
      if (e.session_id !== null) d.add(a.sessions, e.session_id);
      addToKey(a.byKind, eventKind(e), 1);
      const bit = webFunnelBit(e);
      if (bit) {
        a.steps[31 - Math.clz32(bit)]++;
        if (bit === 8) {
          const r = revenueOf(e);
          a.revenue += r;
          addToKey(a.revenueByCurrency, currencyOf(e) ?? 'XXX', r);
        }
      }
      a.ist.add(sendTime);
    },
    merge(a, b) {
      mergeCounts(a, b);
      d.merge(a.sessions, b.sessions);
    },
    combine(parts) {
      const a = create();
      for (const b of parts) mergeCounts(a, b);
      a.sessions = d.union(parts.map((b) => b.sessions));
      return a;
    },
    result(a, r) {
      const [views, carts, checkouts, purchases] = a.steps;
      const [p50, p95, p99] = latencyPercentiles(a, r.emittedAt, [0.5, 0.95, 0.99]);
      return {
        events: a.events,
        sessions: d.result(a.sessions),
        counts_by_type: sortedObject(a.byKind),
        funnel: {
          views,
          add_to_cart: carts,
          checkout: checkouts,
          purchase: purchases,
          view_to_cart: ratio(carts, views),
          cart_to_checkout: ratio(checkouts, carts),
          checkout_to_purchase: ratio(purchases, checkouts),
          view_to_purchase: ratio(purchases, views),
        },
        revenue: a.revenue,
        revenue_by_currency: sortedObject(a.revenueByCurrency),
        aov: ratio(a.revenue, purchases),
        latency_p50_ms: p50,
        latency_p95_ms: p95,
        latency_p99_ms: p99,
      };
    },
  };
}

import type { AnalyticsEvent } from '../../events/types.js';
import { addToKey, rank, ratio, sortedObject, sumByKey, type DistinctState } from '../aggregations.js';
import { tumbling } from '../windows.js';
import { currencyOf, isWebPurchase, revenueOf } from './classify.js';
import type { ViewContext, ViewSpec } from './spec.js';

interface Acc {
  events: number;
  users: DistinctState;
  buyers: DistinctState;
  purchases: number;
  revenue: number;
  revenueByCurrency: Map<string, number>;
  pages: Map<string, number>;
  products: Map<string, number>;
  countries: Map<string, number>;
}

/** 000 "Business metrics (1-minute windows)": conversion rate, revenue per user, popular content, geography. */
export function businessView(ctx: ViewContext, windowMs = 60_000): ViewSpec<Acc> {
  const d = ctx.distinct;
  const create = (): Acc => ({
    events: 0,
    users: d.init(),
    buyers: d.init(),
    purchases: 0,
    revenue: 0,
    revenueByCurrency: new Map(),
    pages: new Map(),
    products: new Map(),
    countries: new Map(),
  });
  /** Everything but the distinct users and buyers (merged by merge(), or as unions by combine()). */
  const mergeCounts = (a: Acc, b: Acc) => {
    a.events += b.events;
    a.purchases += b.purchases;
    a.revenue += b.revenue;
    sumByKey.merge(a.revenueByCurrency, b.revenueByCurrency);
    sumByKey.merge(a.pages, b.pages);
    sumByKey.merge(a.products, b.products);
    sumByKey.merge(a.countries, b.countries);
  };
  return {
    name: 'business',
    window: tumbling(windowMs, 'business view window'),
    key: () => '',
    create,
    add(a, e: AnalyticsEvent) {
      a.events++;
      d.add(a.users, e.user_id);
      addToKey(a.countries, e.country, 1);
      if (e.event_type === 'page_view') addToKey(a.pages, e.page_url, 1);
      else if (e.event_type === 'product_view') addToKey(a.products, e.product_id, 1);
      if (isWebPurchase(e)) {
        d.add(a.buyers, e.user_id);
        a.purchases++;
        const r = revenueOf(e);
        a.revenue += r;
        addToKey(a.revenueByCurrency, currencyOf(e) ?? 'XXX', r);
      }
    },
    merge(a, b) {
      mergeCounts(a, b);
      d.merge(a.users, b.users);
      d.merge(a.buyers, b.buyers);
    },
    combine(parts) {
      const a = create();
      for (const b of parts) mergeCounts(a, b);
      a.users = d.union(parts.map((b) => b.users));
      a.buyers = d.union(parts.map((b) => b.buyers));
      return a;
    },
    result(a) {
      const users = d.result(a.users);
      const buyers = d.result(a.buyers);
      return {
        events: a.events,
        active_users: users,
        buyers,
        conversion_rate: ratio(buyers, users),
        purchases: a.purchases,
        revenue: a.revenue,
        revenue_by_currency: sortedObject(a.revenueByCurrency),
        revenue_per_user: ratio(a.revenue, users),
        revenue_per_buyer: ratio(a.revenue, buyers),
        top_pages: rank(a.pages, ctx.topN).map((r) => ({ key: r.key, views: r.count })),
        top_products: rank(a.products, ctx.topN).map((r) => ({ key: r.key, views: r.count })),
        events_by_country: sortedObject(a.countries),
      };
    },
  };
}

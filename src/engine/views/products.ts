import type { AnalyticsEvent } from '../../events/types.js';
import { distinctExact, ratio } from '../aggregations.js';
import type { WindowDef } from '../windows.js';
import { productFunnelBit, productOf, revenueOf } from './classify.js';
import type { ViewSpec } from './spec.js';

interface Acc {
  views: number;
  carts: number;
  purchases: number;
  units: number;
  revenue: number;
  users: Set<string>;
}

/**
 * 003 product analytics, per product: views, add-to-cart, purchases, revenue, unique users. Unique users are
 * exact (a product's audience per window is small; one HLL per product per pane would cost more memory).
 */
export function productsView(name: string, window: WindowDef): ViewSpec<Acc> {
  return {
    name,
    window,
    key: productOf,
    create: () => ({ views: 0, carts: 0, purchases: 0, units: 0, revenue: 0, users: new Set() }),
    add(a, e: AnalyticsEvent) {
      distinctExact.add(a.users, e.user_id);
      const bit = productFunnelBit(e);
      if (bit === 1) a.views++;
      else if (bit === 2) a.carts++;
      else if (bit === 8) {
        a.purchases++;
        a.units += e.event_type === 'order' ? e.quantity : 1;
        a.revenue += revenueOf(e);
      }
    },
    merge(a, b) {
      a.views += b.views;
      a.carts += b.carts;
      a.purchases += b.purchases;
      a.units += b.units;
      a.revenue += b.revenue;
      distinctExact.merge(a.users, b.users);
    },
    result(a, r) {
      return {
        product_id: r.key,
        views: a.views,
        add_to_cart: a.carts,
        purchases: a.purchases,
        units: a.units,
        revenue: a.revenue,
        unique_users: a.users.size,
        view_to_purchase: ratio(a.purchases, a.views),
      };
    },
  };
}

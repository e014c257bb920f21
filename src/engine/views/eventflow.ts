import type { AnalyticsEvent } from '../../events/types.js';
import { ratio } from '../aggregations.js';
import { tumbling } from '../windows.js';
import { currencyOf, isOrder, isProductView, productOf, revenueOf } from './classify.js';
import type { ViewSpec } from './spec.js';

/** 002 Query 1, orders_raw: one append-only record per order line. */
export function eventflowOrdersView(): ViewSpec<{ e: AnalyticsEvent | null }> {
  return {
    name: 'eventflow.orders',
    window: 'each',
    key: (e) => (isOrder(e) ? orderIdOf(e) : null),
    create: () => ({ e: null }),
    add(a, e) {
      a.e = e;
    },
    merge() {
      throw new Error('eventflow.orders records are never merged');
    },
    result(a) {
      const e = a.e!;
      return {
        order_id: orderIdOf(e),
        user_id: e.user_id,
        product_id: productOf(e),
        price: e.event_type === 'order' ? e.price : revenueOf(e),
        quantity: e.event_type === 'order' ? e.quantity : 1,
        revenue: revenueOf(e),
        currency: currencyOf(e),
        user_type: e.user_type,
        timestamp: e.event_time,
      };
    },
  };
}

function orderIdOf(e: AnalyticsEvent): string {
  if (e.event_type === 'order') return e.order_id;
  if (e.event_type === 'conversion' && e.order_id) return e.order_id;
  return e.event_id;
}

/** 002 Query 2, revenue_by_currency_5min: sum, count and average order value per currency. */
export function eventflowRevenueView(windowMs = 300_000): ViewSpec<{ revenue: number; orders: number }> {
  return {
    name: 'eventflow.revenue',
    window: tumbling(windowMs, 'eventflow window'),
    key: (e) => (isOrder(e) ? (currencyOf(e) ?? 'XXX') : null),
    create: () => ({ revenue: 0, orders: 0 }),
    add(a, e) {
      a.revenue += revenueOf(e);
      a.orders++;
    },
    merge(a, b) {
      a.revenue += b.revenue;
      a.orders += b.orders;
    },
    result(a, r) {
      return {
        currency: r.key,
        total_revenue: a.revenue,
        order_count: a.orders,
        avg_order_value: ratio(a.revenue, a.orders),
      };
    },
  };
}

/** 002 Query 3, conversion_funnel_5min: views and orders per user (the full outer join of both counts). */
export function eventflowFunnelView(windowMs = 300_000): ViewSpec<{ views: number; orders: number }> {
  return {
    name: 'eventflow.funnel',
    window: tumbling(windowMs, 'eventflow window'),
    key: (e) => (isProductView(e) || isOrder(e) ? e.user_id : null),
    create: () => ({ views: 0, orders: 0 }),
    add(a, e) {
      if (isProductView(e)) a.views++;
      else a.orders++;
    },
    merge(a, b) {
      a.views += b.views;
      a.orders += b.orders;
    },
    result(a, r) {
      return { user_id: r.key, view_count: a.views, order_count: a.orders };
    },
  };
}

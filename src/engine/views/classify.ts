import type { AnalyticsEvent } from '../../events/types.js';

/**
 * How the two event families of the reference documents (000's page views / sessions / conversions and
 * 002's product views / orders) map onto the shared notions the views use, so every view works on either.
 */

/** A page seen: a page view, or a product page view (002). */
export function isView(e: AnalyticsEvent): boolean {
  return e.event_type === 'page_view' || e.event_type === 'product_view';
}

/** An order: a purchase conversion (000) or an order (002). */
export function isPurchase(e: AnalyticsEvent): boolean {
  return e.event_type === 'order' || (e.event_type === 'conversion' && e.conversion_type === 'purchase');
}

/** Revenue of an order: price x quantity, or the purchase's revenue; 0 for anything else. */
export function revenueOf(e: AnalyticsEvent): number {
  if (e.event_type === 'order') return e.price * e.quantity;
  if (e.event_type === 'conversion' && e.conversion_type === 'purchase') return e.revenue ?? 0;
  return 0;
}

export function currencyOf(e: AnalyticsEvent): string | null {
  if (e.event_type === 'order' || e.event_type === 'product_view') return e.currency;
  if (e.event_type === 'conversion') return e.currency;
  return null;
}

export function productOf(e: AnalyticsEvent): string | null {
  if (e.event_type === 'order' || e.event_type === 'product_view') return e.product_id;
  if (e.event_type === 'conversion') return e.product_id;
  return null;
}

/** Funnel step (view → add_to_cart → checkout → purchase) as a bit: 1, 2, 4, 8; 0 when not a step. */
export function funnelBit(e: AnalyticsEvent): number {
  if (isView(e)) return 1;
  if (e.event_type === 'order') return 8;
  if (e.event_type !== 'conversion') return 0;
  switch (e.conversion_type) {
    case 'add_to_cart':
      return 2;
    case 'checkout':
      return 4;
    case 'purchase':
      return 8;
    default:
      return 0;
  }
}

export const FUNNEL_STEPS = ['view', 'add_to_cart', 'checkout', 'purchase'] as const;

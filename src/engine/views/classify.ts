import type { AnalyticsEvent } from '../../events/types.js';

/**
 * The two event families of the reference documents describe the same site from two systems: web
 * analytics (000 / 004: page views, sessions, conversions) and commerce (002 / 003: product views, orders).
 * One visit to a product page is a `page_view` *and* a `product_view`; one checkout is a `purchase`
 * conversion *and* one `order` per cart line. Each view therefore reads one family — the one its reference
 * document describes — so nothing is counted twice:
 *   realtime, business, sessions, kpis (000, 004): page_view, add_to_cart, checkout, purchase conversion
 *   products (003), eventflow (002):                product_view, add_to_cart, checkout, order lines
 */

/** Web analytics: a page seen. */
export function isPageView(e: AnalyticsEvent): boolean {
  return e.event_type === 'page_view';
}

/** Commerce: a product page seen. */
export function isProductView(e: AnalyticsEvent): boolean {
  return e.event_type === 'product_view';
}

/** Web analytics: a purchase conversion, one per checkout. */
export function isWebPurchase(e: AnalyticsEvent): boolean {
  return e.event_type === 'conversion' && e.conversion_type === 'purchase';
}

/** Commerce: an order line (one product each). */
export function isOrder(e: AnalyticsEvent): boolean {
  return e.event_type === 'order';
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

function conversionBit(e: AnalyticsEvent): number {
  if (e.event_type !== 'conversion') return 0;
  return e.conversion_type === 'add_to_cart' ? 2 : e.conversion_type === 'checkout' ? 4 : 0;
}

/** Web funnel step (page view → add_to_cart → checkout → purchase conversion) as a bit 1, 2, 4, 8; 0 otherwise. */
export function webFunnelBit(e: AnalyticsEvent): number {
  if (isPageView(e)) return 1;
  if (isWebPurchase(e)) return 8;
  return conversionBit(e);
}

/** Commerce funnel step (product view → add_to_cart → checkout → order line) as a bit 1, 2, 4, 8; 0 otherwise. */
export function productFunnelBit(e: AnalyticsEvent): number {
  if (isProductView(e)) return 1;
  if (isOrder(e)) return 8;
  return conversionBit(e);
}

export const FUNNEL_STEPS = ['view', 'add_to_cart', 'checkout', 'purchase'] as const;

import type { FunnelCounts, FunnelSummary, KpiRecord } from './types.js';

const MINUTE = 60_000;

function ratio(a: number, b: number): number | null {
  return b === 0 ? null : a / b;
}

/**
 * Per-window KPI records (004's minute documents), upserted by window start the way 004 upserts by
 * minute: a final replaces the early record of its window, an early never replaces a final. Bounded to the
 * newest `capacity` windows.
 */
export class KpiHistory {
  /** Sorted by window_start. */
  private records: KpiRecord[] = [];

  constructor(readonly capacity = 1440) {}

  upsert(rec: KpiRecord): boolean {
    const rs = this.records;
    let i = rs.length - 1;
    while (i >= 0 && rs[i].window_start > rec.window_start) i--;
    if (i >= 0 && rs[i].window_start === rec.window_start) {
      if (rs[i].emit === 'final' && rec.emit === 'early') return false;
      rs[i] = rec;
      return true;
    }
    if (rs.length >= this.capacity && i < 0) return false; // older than everything kept
    rs.splice(i + 1, 0, rec);
    if (rs.length > this.capacity) rs.shift();
    return true;
  }

  /** The newest window's record (final or, while it is open, early). */
  latest(): KpiRecord | null {
    return this.records.length ? this.records[this.records.length - 1] : null;
  }

  /**
   * Windows ending within `minutesBack` minutes of the newest window end. Measured from the data rather
   * than the wall clock, so replays of old recordings answer the same way as live runs.
   */
  since(minutesBack: number): KpiRecord[] {
    const newest = this.latest();
    if (!newest) return [];
    const from = newest.window_end - minutesBack * MINUTE;
    return this.records.filter((r) => r.window_end > from);
  }

  funnel(minutesBack: number): FunnelSummary {
    const recs = this.since(minutesBack);
    const sum: FunnelCounts = { product_views: 0, add_to_cart: 0, checkout: 0, purchase: 0 };
    for (const r of recs) {
      sum.product_views += r.funnel.product_views;
      sum.add_to_cart += r.funnel.add_to_cart;
      sum.checkout += r.funnel.checkout;
      sum.purchase += r.funnel.purchase;
    }
    return {
      minutes_back: minutesBack,
      from: recs.length ? recs[0].window_start : null,
      to: recs.length ? recs[recs.length - 1].window_end : null,
      windows: recs.length,
      steps: (['product_views', 'add_to_cart', 'checkout', 'purchase'] as const).map((step) => ({
        step,
        count: sum[step],
      })),
      rates: {
        view_to_cart: ratio(sum.add_to_cart, sum.product_views),
        cart_to_checkout: ratio(sum.checkout, sum.add_to_cart),
        checkout_to_purchase: ratio(sum.purchase, sum.checkout),
        view_to_purchase: ratio(sum.purchase, sum.product_views),
      },
    };
  }

  get size(): number {
    return this.records.length;
  }
}

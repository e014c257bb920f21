import type { AnalyticsEvent } from '../events/types.js';

export interface Buffered {
  arrival: number;
  event: AnalyticsEvent;
}

/**
 * Events waiting for the watermark, kept sorted by (event_time, arrival). Arrivals are nearly in event-time
 * order, so an insertion is an append or a short move from the end, and a release takes from the front:
 * cheaper than a heap for this shape of input (bench/cep-throughput.ts).
 */
export class ReorderBuffer {
  private items: Buffered[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(b: Buffered): void {
    const a = this.items;
    let i = a.length;
    const t = b.event.event_time;
    // Arrival numbers only grow, so among equal times the newcomer goes last.
    while (i > this.head && a[i - 1].event.event_time > t) i--;
    if (i === a.length) a.push(b);
    else a.splice(i, 0, b);
  }

  peek(): Buffered | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): Buffered | undefined {
    if (this.head >= this.items.length) return undefined;
    const b = this.items[this.head++];
    // Compact once the consumed prefix dominates, keeping shift O(1) amortised.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return b;
  }

  toArray(): Buffered[] {
    return this.items.slice(this.head);
  }
}

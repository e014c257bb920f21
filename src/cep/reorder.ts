import type { AnalyticsEvent } from '../events/types.js';

export interface Buffered {
  arrival: number;
  event: AnalyticsEvent;
}

function before(a: Buffered, b: Buffered): boolean {
  const ta = a.event.event_time;
  const tb = b.event.event_time;
  return ta < tb || (ta === tb && a.arrival < b.arrival);
}

/**
 * Events waiting for the watermark, released in (event_time, arrival) order: a binary min-heap, so a push
 * and a release cost O(log n) however many events wait and however far out of order they arrive (a
 * backlog read partition by partition arrives minutes out of order). The sorted array this replaced
 * inserted by `splice`, which made a waiting backlog quadratic.
 */
export class ReorderBuffer {
  private readonly items: Buffered[] = [];

  get size(): number {
    return this.items.length;
  }

  push(b: Buffered): void {
    const a = this.items;
    let i = a.length;
    a.push(b);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(b, a[parent])) break;
      a[i] = a[parent];
      i = parent;
    }
    a[i] = b;
  }

  peek(): Buffered | undefined {
    return this.items[0];
  }

  shift(): Buffered | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    const n = a.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(a[r], a[l]) ? r : l;
      if (!before(a[c], last)) break;
      a[i] = a[c];
      i = c;
    }
    a[i] = last;
    return top;
  }

  /** The buffered events in release order (snapshots). */
  toArray(): Buffered[] {
    return this.items.slice().sort((x, y) => (before(x, y) ? -1 : before(y, x) ? 1 : 0));
  }
}

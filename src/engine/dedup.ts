/**
 * Deduplication by event_id, bounded by the watermark. An id is remembered while its event time is at or
 * after the closing horizon (watermark - allowed lateness); past that, any copy of it is late and goes to the
 * late path anyway, so the id can be forgotten. Ids are bucketed by event time so expiry drops whole
 * buckets instead of scanning every id.
 */
export class DedupStore {
  private readonly ids = new Set<string>();
  private readonly buckets = new Map<number, string[]>();
  private curStart = NaN;
  private cur: string[] = [];

  constructor(private readonly bucketMs = 1000) {}

  /** True when `id` was seen before (a duplicate); otherwise remembers it. */
  seen(id: string, eventTime: number): boolean {
    // One hash lookup instead of has() + add(): the Set grows exactly when the id is new.
    const before = this.ids.size;
    if (this.ids.add(id).size === before) return true;
    const start = eventTime - (((eventTime % this.bucketMs) + this.bucketMs) % this.bucketMs);
    if (start !== this.curStart) {
      let b = this.buckets.get(start);
      if (!b) this.buckets.set(start, (b = []));
      this.curStart = start;
      this.cur = b;
    }
    this.cur.push(id);
    return false;
  }

  /** Forgets every id whose event time is before `horizon`. */
  expire(horizon: number): void {
    for (const [start, ids] of this.buckets) {
      if (start + this.bucketMs > horizon) continue;
      for (const id of ids) this.ids.delete(id);
      this.buckets.delete(start);
      if (start === this.curStart) this.curStart = NaN;
    }
  }

  get size(): number {
    return this.ids.size;
  }

  snapshot(): { bucketMs: number; buckets: [number, string[]][] } {
    return { bucketMs: this.bucketMs, buckets: [...this.buckets].map(([s, ids]) => [s, [...ids]]) };
  }

  static restore(s: { bucketMs: number; buckets: [number, string[]][] }): DedupStore {
    const d = new DedupStore(s.bucketMs);
    for (const [start, ids] of s.buckets) {
      d.buckets.set(start, [...ids]);
      for (const id of ids) d.ids.add(id);
    }
    return d;
  }
}

/**
 * Deduplication by event_id, bounded by the watermark. An id is remembered while its event time is at or
 * after the closing horizon (watermark - allowed lateness); past that, any copy of it is late and goes to the
 * late path anyway, so the id can be forgotten. Ids are bucketed by event time, and a bucket expires as a
 * whole when the horizon passes its end.
 *
 * The ids live in an open-addressing table (linear probing) whose slots record their bucket: expiry only
 * moves the horizon, and a slot of an expired bucket is free for the next insert on its probe path. A Set
 * with ids deleted one by one did the same work with far more memory traffic: every id was also pushed to a
 * bucket list and deleted later, and the deleted entries made V8 rehash the Set into a new table again and
 * again (this runs for every event).
 */
export class DedupStore {
  /** Per slot: id hash (0: never used), the id, and the start of its event-time bucket. */
  private hashes: Int32Array = new Int32Array(MIN_SLOTS);
  private ids: (string | undefined)[] = new Array<string | undefined>(MIN_SLOTS);
  private starts: Float64Array = new Float64Array(MIN_SLOTS);
  /** The arrays of the table before the last rebuild, emptied. */
  private spare: Table | undefined;
  /** Slots ever used since the last rebuild, live or expired: probe paths run over them. */
  private used = 0;
  /** Live ids per bucket start; `cur` is the count of the previous event's bucket (most events share it). */
  private readonly perBucket = new Map<number, { n: number }>();
  private curStart = NaN;
  private cur = { n: 0 };
  private live = 0;
  /** Buckets that end at or before this have expired. */
  private horizon = -Infinity;

  constructor(private readonly bucketMs = 1000) {}

  private alive(slot: number): boolean {
    return this.starts[slot] + this.bucketMs > this.horizon;
  }

  /**
   * True when `id` was seen before (a duplicate); otherwise remembers it. The engine sends events behind the
   * horizon to the late path before asking: an id from an expired bucket would be forgotten at once.
   */
  seen(id: string, eventTime: number): boolean {
    const h = hash(id);
    const mask = this.hashes.length - 1;
    let free = -1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const x = this.hashes[i];
      if (x === 0) {
        if (free < 0) free = i;
        break;
      }
      if (!this.alive(i)) {
        if (free < 0) free = i;
      } else if (x === h && this.ids[i] === id) return true;
    }
    const start = eventTime - (((eventTime % this.bucketMs) + this.bucketMs) % this.bucketMs);
    this.store(free, h, id, start);
    return false;
  }

  private store(slot: number, h: number, id: string, start: number): void {
    if (this.hashes[slot] === 0) this.used++;
    this.hashes[slot] = h;
    this.ids[slot] = id;
    this.starts[slot] = start;
    if (start !== this.curStart) {
      let c = this.perBucket.get(start);
      if (!c) this.perBucket.set(start, (c = { n: 0 }));
      this.curStart = start;
      this.cur = c;
    }
    this.cur.n++;
    this.live++;
    // Keep probe paths short: at most half the slots ever used, a quarter live after a rebuild.
    if (this.used * 2 > this.hashes.length) this.rebuild();
  }

  private rebuild(): void {
    const { hashes, ids, starts } = this;
    // A quarter live at most after a rebuild; the size shrinks only well below that, so in steady traffic it
    // stays the same and the previous table's arrays are reused instead of reallocated.
    let size = hashes.length;
    while (this.live * 4 > size) size *= 2;
    while (size > MIN_SLOTS && this.live * 16 < size) size /= 2;
    const next: Table =
      this.spare?.hashes.length === size
        ? this.spare
        : {
            hashes: new Int32Array(size),
            ids: new Array<string | undefined>(size),
            starts: new Float64Array(size),
          };
    ({ hashes: this.hashes, ids: this.ids, starts: this.starts } = next);
    this.used = 0;
    const mask = size - 1;
    for (let j = 0; j < hashes.length; j++) {
      if (hashes[j] === 0 || starts[j] + this.bucketMs <= this.horizon) continue;
      let i = hashes[j] & mask;
      while (this.hashes[i] !== 0) i = (i + 1) & mask;
      this.hashes[i] = hashes[j];
      this.ids[i] = ids[j];
      this.starts[i] = starts[j];
      this.used++;
    }
    hashes.fill(0);
    ids.fill(undefined);
    this.spare = { hashes, ids, starts };
  }

  /** Forgets every id whose event time is before `horizon`. */
  expire(horizon: number): void {
    if (horizon <= this.horizon) return;
    for (const [start, c] of this.perBucket) {
      if (start + this.bucketMs > horizon) continue;
      this.perBucket.delete(start);
      this.live -= c.n;
      if (start === this.curStart) this.curStart = NaN;
    }
    this.horizon = horizon;
  }

  get size(): number {
    return this.live;
  }

  snapshot(): { bucketMs: number; buckets: [number, string[]][] } {
    const byStart = new Map<number, string[]>();
    for (let i = 0; i < this.hashes.length; i++) {
      if (this.hashes[i] === 0 || !this.alive(i)) continue;
      const start = this.starts[i];
      let list = byStart.get(start);
      if (!list) byStart.set(start, (list = []));
      list.push(this.ids[i]!);
    }
    return { bucketMs: this.bucketMs, buckets: [...byStart].sort((a, b) => a[0] - b[0]) };
  }

  static restore(s: { bucketMs: number; buckets: [number, string[]][] }): DedupStore {
    const d = new DedupStore(s.bucketMs);
    for (const [start, ids] of s.buckets) for (const id of ids) d.seen(id, start);
    return d;
  }
}

const MIN_SLOTS = 1024;

interface Table {
  hashes: Int32Array;
  ids: (string | undefined)[];
  starts: Float64Array;
}

/** FNV-1a over the UTF-16 code units; never 0, which marks a slot never used. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h === 0 ? 1 : h;
}

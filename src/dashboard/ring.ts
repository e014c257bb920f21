/** A bounded FIFO: the dashboard's memory stays constant however long it runs. */
export class Ring<T> {
  private items: T[] = [];
  private head = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
  }

  /** Appends; returns the evicted oldest item when full. */
  push(item: T): T | undefined {
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return undefined;
    }
    const evicted = this.items[this.head];
    this.items[this.head] = item;
    this.head = (this.head + 1) % this.capacity;
    return evicted;
  }

  get size(): number {
    return this.items.length;
  }

  /** Oldest first. */
  toArray(): T[] {
    return [...this.items.slice(this.head), ...this.items.slice(0, this.head)];
  }

  /** The newest `n`, newest first. */
  newest(n: number): T[] {
    const out: T[] = [];
    const len = this.items.length;
    for (let i = 0; i < Math.min(n, len); i++) out.push(this.items[(this.head - 1 - i + len * 2) % len]);
    return out;
  }

  /** Newest item, if any. */
  last(): T | undefined {
    return this.items.length
      ? this.items[(this.head - 1 + this.items.length) % this.items.length]
      : undefined;
  }

  /** Replaces the newest item matching `match` (searching from the newest); false when none does. */
  replaceLast(match: (item: T) => boolean, item: T, lookback = 8): boolean {
    const len = this.items.length;
    for (let i = 0; i < Math.min(lookback, len); i++) {
      const idx = (this.head - 1 - i + len * 2) % len;
      if (match(this.items[idx])) {
        this.items[idx] = item;
        return true;
      }
    }
    return false;
  }
}

/**
 * A delivering sink's buffer: items (lines, rows, documents) in arrival order, removed from the front only
 * once the server acknowledged them (or rejected them for good), so a failed request leaves them in place
 * for the retry. Items are numbered by arrival (`enqueued`) and departure (`settled`), which is what
 * flush() waits on.
 */
export class OrderedQueue<T = string> {
  private items: T[] = [];
  private head = 0;
  /** Arrival time of each write, to know how long the oldest pending line has waited. */
  private marks: { end: number; at: number }[] = [];
  private markHead = 0;
  enqueued = 0;
  settled = 0;

  get size(): number {
    return this.enqueued - this.settled;
  }

  push(items: T[], at: number): void {
    if (items.length === 0) return;
    for (const l of items) this.items.push(l);
    this.enqueued += items.length;
    this.marks.push({ end: this.enqueued, at });
  }

  /** The first `n` pending items, without removing them. */
  peek(n: number): T[] {
    return this.items.slice(this.head, this.head + Math.min(n, this.size));
  }

  /** Removes the first `n` pending items. */
  settle(n: number): void {
    const k = Math.min(n, this.size);
    this.head += k;
    this.settled += k;
    while (this.markHead < this.marks.length && this.marks[this.markHead].end <= this.settled)
      this.markHead++;
    // Compact now and then so the arrays do not grow for the whole run.
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.markHead > 1024 && this.markHead * 2 > this.marks.length) {
      this.marks = this.marks.slice(this.markHead);
      this.markHead = 0;
    }
  }

  /** Arrival time of the oldest pending item (undefined when empty). */
  oldestAt(): number | undefined {
    return this.size > 0 ? this.marks[this.markHead]?.at : undefined;
  }
}

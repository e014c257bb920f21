/**
 * The sink's buffer: lines in arrival order, removed from the front only once the server acknowledged
 * them (or rejected them for good), so a failed request leaves its lines in place for the retry. Lines are
 * numbered by arrival (`enqueued`) and departure (`settled`), which is what flush() waits on.
 */
export class LineQueue {
  private lines: string[] = [];
  private head = 0;
  /** Arrival time of each write, to know how long the oldest pending line has waited. */
  private marks: { end: number; at: number }[] = [];
  private markHead = 0;
  enqueued = 0;
  settled = 0;

  get size(): number {
    return this.enqueued - this.settled;
  }

  push(lines: string[], at: number): void {
    if (lines.length === 0) return;
    for (const l of lines) this.lines.push(l);
    this.enqueued += lines.length;
    this.marks.push({ end: this.enqueued, at });
  }

  /** The first `n` pending lines, without removing them. */
  peek(n: number): string[] {
    return this.lines.slice(this.head, this.head + Math.min(n, this.size));
  }

  /** Removes the first `n` pending lines. */
  settle(n: number): void {
    const k = Math.min(n, this.size);
    this.head += k;
    this.settled += k;
    while (this.markHead < this.marks.length && this.marks[this.markHead].end <= this.settled)
      this.markHead++;
    // Compact now and then so the arrays do not grow for the whole run.
    if (this.head > 4096 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.head = 0;
    }
    if (this.markHead > 1024 && this.markHead * 2 > this.marks.length) {
      this.marks = this.marks.slice(this.markHead);
      this.markHead = 0;
    }
  }

  /** Arrival time of the oldest pending line (undefined when empty). */
  oldestAt(): number | undefined {
    return this.size > 0 ? this.marks[this.markHead]?.at : undefined;
  }
}

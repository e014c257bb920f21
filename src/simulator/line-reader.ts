import { readNumberedLineBatches, type LineOptions, type NumberedLine } from '../files/lines.js';

/**
 * The lines of a text file (gzip for .gz), read ahead on demand: fill(n) makes n lines available (or all
 * that are left), shift() takes the next one synchronously. Memory holds what was asked for plus one
 * chunk, whatever the file's size. Blank lines are skipped; lineNumber says where the last line taken
 * was. A .gz cut short ends after its last complete line and tells `options.onCut` (src/files/lines.ts).
 */
export class LineReader {
  private lines: NumberedLine[] = [];
  private head = 0;
  private ended = false;
  private readonly source: AsyncGenerator<NumberedLine[]>;
  lineNumber = 0;

  constructor(path: string, options: LineOptions = {}) {
    this.source = readNumberedLineBatches(path, options);
  }

  get available(): number {
    return this.lines.length - this.head;
  }

  /** True once every line has been taken. */
  get done(): boolean {
    return this.ended && this.available === 0;
  }

  async fill(n: number): Promise<void> {
    if (this.head > 0 && this.available < n) {
      this.lines = this.lines.slice(this.head);
      this.head = 0;
    }
    while (!this.ended && this.available < n) {
      const r = await this.source.next();
      if (r.done) this.ended = true;
      else for (const l of r.value) this.lines.push(l);
    }
  }

  shift(): string | undefined {
    if (this.head >= this.lines.length) return undefined;
    const l = this.lines[this.head++];
    this.lineNumber = l.line;
    return l.text;
  }

  async close(): Promise<void> {
    await this.source.return(undefined);
  }
}

/** A set of the most recent `size` keys (the replay's duplicate detection, in bounded memory). */
export class RecentSet {
  private readonly ring: (string | undefined)[];
  private readonly set = new Set<string>();
  private at = 0;

  constructor(size: number) {
    this.ring = new Array<string | undefined>(size);
  }

  has(key: string): boolean {
    return this.set.has(key);
  }

  add(key: string): void {
    if (this.set.has(key)) return;
    const old = this.ring[this.at];
    if (old !== undefined) this.set.delete(old);
    this.ring[this.at] = key;
    this.at = (this.at + 1) % this.ring.length;
    this.set.add(key);
  }
}

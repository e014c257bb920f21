import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { UsageError } from '../errors.js';

/**
 * The lines of a text file (gzip for .gz), read ahead in chunks on demand: fill(n) makes n lines
 * available (or all that are left), shift() takes the next one synchronously. Memory holds what was
 * asked for plus one chunk, whatever the file's size. Blank lines are skipped; lineNumber says where
 * the last line taken was.
 */
export class LineReader {
  private lines: string[] = [];
  private numbers: number[] = [];
  private head = 0;
  private rest = '';
  private read = 0;
  private ended = false;
  private readonly chunks: AsyncIterator<Buffer>;
  private readonly decoder = new StringDecoder('utf8');
  lineNumber = 0;

  constructor(private readonly path: string) {
    const input = createReadStream(path, { highWaterMark: 256 * 1024 });
    const stream = path.endsWith('.gz') ? input.pipe(createGunzip()) : input;
    // A read error of the file itself reaches the gunzip stream's consumer only through the file stream.
    input.on('error', (err) => stream.destroy(err));
    this.chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  get available(): number {
    return this.lines.length - this.head;
  }

  /** True once every line has been taken. */
  get done(): boolean {
    return this.ended && this.available === 0;
  }

  async fill(n: number): Promise<void> {
    while (!this.ended && this.available < n) {
      let r: IteratorResult<Buffer>;
      try {
        r = await this.chunks.next();
      } catch (err) {
        throw new UsageError(`cannot read ${this.path}: ${(err as Error).message}`);
      }
      if (this.head > 0) {
        this.lines = this.lines.slice(this.head);
        this.numbers = this.numbers.slice(this.head);
        this.head = 0;
      }
      const text = r.done ? this.rest + this.decoder.end() : this.rest + this.decoder.write(r.value);
      const parts = text.split('\n');
      this.rest = r.done ? '' : parts.pop()!;
      for (const p of parts) {
        this.read++;
        const line = p.endsWith('\r') ? p.slice(0, -1) : p;
        if (line.trim() === '') continue;
        this.lines.push(line);
        this.numbers.push(this.read);
      }
      if (r.done) this.ended = true;
    }
  }

  shift(): string | undefined {
    if (this.head >= this.lines.length) return undefined;
    this.lineNumber = this.numbers[this.head];
    return this.lines[this.head++];
  }

  async close(): Promise<void> {
    await this.chunks.return?.();
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

import { createWriteStream, type WriteStream } from 'node:fs';
import { createGzip, type Gzip } from 'node:zlib';
import { once } from 'node:events';
import { RtapError } from '../errors.js';
import type { Output, Sink, SinkStats } from './types.js';

/**
 * Writes each output as one JSON line (`{"kind":"result",...}` / `{"kind":"alert",...}`) to a file
 * (gzip when the path ends in .gz) or to stdout ('-'). Honours stream back-pressure.
 */
export class JsonlSink implements Sink {
  readonly name: string;
  private out: NodeJS.WritableStream;
  private file: WriteStream | null = null;
  private gzip: Gzip | null = null;
  private written = 0;
  /** A write error of the file (disk full, removed directory): reported by the next write or close. */
  private failure: Error | null = null;

  constructor(
    readonly path: string,
    private readonly filter: (o: Output) => boolean = () => true,
  ) {
    this.name = path === '-' ? 'jsonl:stdout' : `jsonl:${path}`;
    if (path === '-') {
      this.out = process.stdout;
    } else {
      this.file = createWriteStream(path);
      if (path.endsWith('.gz')) {
        this.gzip = createGzip();
        this.gzip.pipe(this.file);
        this.out = this.gzip;
      } else {
        this.out = this.file;
      }
      // Without a listener a failed open or write is an uncaught 'error' event that kills the process.
      const fail = (err: NodeJS.ErrnoException) => {
        this.failure ??= new RtapError(`cannot write ${path}: ${err.code ?? err.message}`);
        // The gzip stream in front would wait for a drain that never comes: end it with the error.
        if (this.gzip && !this.gzip.destroyed) this.gzip.destroy(err);
      };
      this.file.on('error', fail);
      this.gzip?.on('error', fail);
    }
  }

  async write(outputs: Output[]): Promise<void> {
    if (this.failure) throw this.failure;
    let chunk = '';
    for (const o of outputs) {
      if (!this.filter(o)) continue;
      chunk +=
        JSON.stringify(
          o.kind === 'result' ? { kind: 'result', ...o.result } : { kind: 'alert', ...o.alert },
        ) + '\n';
      this.written++;
    }
    if (chunk && !this.out.write(chunk)) await once(this.out, 'drain').catch(() => {});
    if (this.failure) throw this.failure;
  }

  /** Lines that are not outputs (file mode's dead letters), written in order with the outputs. */
  async writeRecords(records: Record<string, unknown>[]): Promise<void> {
    let chunk = '';
    for (const r of records) chunk += JSON.stringify(r) + '\n';
    if (chunk && !this.out.write(chunk)) await once(this.out, 'drain');
  }

  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.gzip) await new Promise<void>((r) => this.gzip!.flush(() => r()));
  }

  async close(): Promise<void> {
    if (!this.file) return;
    if (!this.file.closed) {
      const done = once(this.file, 'close').catch(() => {});
      if (this.failure) this.file.destroy();
      else (this.gzip ?? this.file).end();
      await done;
    }
    if (this.failure) throw this.failure;
  }

  stats(): SinkStats {
    // Lines go straight to the stream: nothing waits in rtap, nothing is retried.
    return { written: this.written, retried: 0, buffered: 0, failed: 0 };
  }
}

import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import type { AnalyticsEvent } from '../../events/types.js';
import type { Output, Sink, SinkStats } from '../types.js';
import { eventRow, resultRow, rowTime, type Row } from './columns.js';
import { partitionOf, tempOwner, type Dataset } from './layout.js';
import { PartFile } from './part-file.js';

export interface ParquetSinkOptions {
  dir: string;
  /** Rows per row group; default 10 000. */
  rowGroupSize?: number;
  /**
   * A file is closed at every flush (the processor flushes its sinks at each checkpoint and at the end)
   * and at the latest this long after it was opened, ms; default 10 min.
   */
  rollMs?: number;
  log?: (message: string) => void;
}

export interface ParquetSinkStats extends SinkStats {
  /** Rows handed to files (committed or still open). */
  results: number;
  events: number;
  files: number;
  row_groups: number;
  /** Outputs the store does not hold: early results, alerts. */
  skipped: number;
  /** Temporary files of dead rtap processes removed at start. */
  stale_removed: number;
}

/**
 * 004's Parquet cold store (docs/stores.md): every final view result and every accepted event, in files
 * partitioned year=/month=/day=/hour= (UTC; results by window start, events by event time), written in
 * row groups through hyparquet-writer and closed atomically (temporary name, fsync, rename).
 *
 * Files are closed only at flush() — which the processor calls at each checkpoint, before committing
 * it — at close(), and after rollMs. So after a kill -9 and a restart from checkpoint k, what the
 * processor replays was in temporary files of the dead process, never in closed ones: nothing is lost
 * and nothing stored twice. (The one exception is a crash between the flush and the commit of its
 * checkpoint; readers such as `rtap report` keep one row per result id.)
 */
export class ParquetSink implements Sink {
  readonly name: string;
  private readonly writer = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly open = new Map<string, { file: PartFile; openedAt: number }>();
  private readonly counters = {
    results: 0,
    events: 0,
    files: 0,
    row_groups: 0,
    skipped: 0,
    stale_removed: 0,
    /** Rows in committed files. */
    written: 0,
  };
  private readonly rowGroupSize: number;
  private readonly rollMs: number;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly o: ParquetSinkOptions) {
    this.name = `parquet:${o.dir}`;
    this.rowGroupSize = o.rowGroupSize ?? 10_000;
    this.rollMs = o.rollMs ?? 600_000;
    if (!Number.isInteger(this.rowGroupSize) || this.rowGroupSize < 1)
      throw new UsageError(`parquet sink: rowGroupSize must be a positive integer, got ${o.rowGroupSize}`);
    if (existsSync(o.dir) && !statSync(o.dir).isDirectory())
      throw new UsageError(`--parquet-dir ${o.dir} exists and is not a directory`);
    this.counters.stale_removed = removeStaleTemps(o.dir);
  }

  write(outputs: Output[]): void {
    for (const out of outputs) {
      if (out.kind === 'result' && out.result.emit === 'final') {
        this.add('results', resultRow(out.result));
        this.counters.results++;
      } else this.counters.skipped++;
    }
  }

  /** Accepted events (after validation and dedup), for 004's archive. */
  archive(events: AnalyticsEvent[]): void {
    for (const e of events) this.add('events', eventRow(e));
    this.counters.events += events.length;
  }

  async flush(): Promise<void> {
    for (const key of [...this.open.keys()]) this.commit(key);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  stats(): ParquetSinkStats {
    // Rows in files still open (temporary names) are buffered: written once their file is committed.
    let buffered = 0;
    for (const { file } of this.open.values()) buffered += file.rows;
    return { ...this.counters, retried: 0, buffered, failed: 0 };
  }

  private add(dataset: Dataset, row: Row): void {
    if (this.closed) throw new Error('parquet sink: write after close()');
    const partition = partitionOf(dataset, rowTime(dataset, row));
    let entry = this.open.get(partition);
    if (!entry) {
      const file = new PartFile(
        dataset,
        join(this.o.dir, partition),
        { writer: this.writer, seq: this.seq++ },
        this.rowGroupSize,
      );
      entry = { file, openedAt: Date.now() };
      this.open.set(partition, entry);
      this.timer ??= setInterval(() => this.roll(), Math.min(this.rollMs, 60_000)).unref();
    }
    const before = entry.file.rowGroups;
    entry.file.add(row);
    this.counters.row_groups += entry.file.rowGroups - before;
  }

  private commit(partition: string): void {
    const entry = this.open.get(partition)!;
    this.open.delete(partition);
    const before = entry.file.rowGroups;
    entry.file.commit();
    this.counters.row_groups += entry.file.rowGroups - before;
    this.counters.files++;
    this.counters.written += entry.file.rows;
  }

  private roll(): void {
    const now = Date.now();
    for (const [partition, e] of this.open) if (now - e.openedAt >= this.rollMs) this.commit(partition);
  }
}

/** Deletes temporary files whose writing process is gone (killed mid-file); returns how many. */
function removeStaleTemps(dir: string): number {
  if (!existsSync(dir)) return 0;
  let removed = 0;
  const walk = (d: string) => {
    for (const ent of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, ent.name);
      if (ent.isDirectory()) walk(p);
      else {
        const pid = tempOwner(ent.name);
        if (pid !== null && !alive(pid)) {
          rmSync(p, { force: true });
          removed++;
        }
      }
    }
  };
  walk(dir);
  return removed;
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function createParquetSink(o: ParquetSinkOptions): ParquetSink {
  return new ParquetSink(o);
}

import { join } from 'node:path';

/**
 * The cold store's layout (004: partitioned year/month/day/hour), Hive style so DuckDB, Spark and pyarrow
 * read the partitions as columns:
 *   <dir>/<dataset>/year=2024/month=01/day=01/hour=00/part-<writer>-<seq>.parquet
 * A file being written is `.part-…parquet.tmp-<pid>`: hidden, and without the .parquet suffix readers
 * glob for, so nobody reads a half file; it gets its final name by rename once complete.
 */
export type Dataset = 'results' | 'events';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The partition directory (relative to the store) of an instant, in UTC. */
export function partitionOf(dataset: Dataset, ms: number): string {
  const d = new Date(ms);
  return join(
    dataset,
    `year=${d.getUTCFullYear()}`,
    `month=${pad(d.getUTCMonth() + 1)}`,
    `day=${pad(d.getUTCDate())}`,
    `hour=${pad(d.getUTCHours())}`,
  );
}

export function finalName(writer: string, seq: number): string {
  return `part-${writer}-${pad(seq, 6)}.parquet`;
}

export function tempName(writer: string, seq: number): string {
  return `.${finalName(writer, seq)}.tmp-${process.pid}`;
}

/** The pid in a temporary file's name, or null for a name that is not one. */
export function tempOwner(name: string): number | null {
  const m = /^\.part-.*\.parquet\.tmp-(\d+)$/.exec(name);
  return m ? Number(m[1]) : null;
}

export const isPartFile = (name: string) => name.endsWith('.parquet') && !name.startsWith('.');

import type { Headers } from '../types.js';

/**
 * Kafka refuses a record batch larger than the topic's max.message.bytes: 1 MiB + 12 bytes by default
 * (broker message.max.bytes). kafkajs puts all of a request's records for one partition into one batch and
 * does not split it, so rtap keeps each batch under this many bytes (the batch header is 61 of the rest).
 */
export const DEFAULT_BATCH_BYTES = 1_000_000;

/**
 * A record's size in a v2 batch, from above: its key, value and headers plus the most its varints and
 * attribute byte take (length, timestamp and offset deltas, key and value lengths, header count: 36 bytes,
 * and 10 more per header for its two lengths).
 */
export function recordBytes(key: string | null, value: Buffer | null, headers?: Headers): number {
  let n = 36 + (key === null ? 0 : Buffer.byteLength(key)) + (value?.length ?? 0);
  if (headers)
    for (const [k, v] of Object.entries(headers)) n += 10 + Buffer.byteLength(k) + Buffer.byteLength(v);
  return n;
}

/**
 * Splits `items` in order into runs of at most `maxBytes` (by `bytesOf`); an item larger than that on its
 * own makes a run by itself, for the broker to accept (a topic with a higher limit) or refuse by name.
 */
export function splitBySize<T>(items: T[], bytesOf: (item: T) => number, maxBytes: number): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const b = bytesOf(item);
    if (run.length > 0 && bytes + b > maxBytes) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(item);
    bytes += b;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

import { partitionForKey } from '../transport/partitioner.js';

/**
 * The stream is split into `shards` independent parts. A user belongs to the shard its id hashes to with
 * Kafka's partitioner (murmur2 mod shards); website sessions draw ids until theirs hashes there too. So in
 * a topic whose partition count is a multiple of the shard count, partition p holds keys of shard
 * p mod shards only (murmur2 mod n mod shards = murmur2 mod shards when shards divides n): a thread that
 * generates whole shards is the only writer of those partitions, and each partition receives the same
 * sequence whatever the number of threads.
 */
export function shardOfKey(key: string, shards: number): number {
  return shards === 1 ? 0 : partitionForKey(key, shards);
}

/** Event i of the schedule belongs to shard i mod shards: the merge order of the shards' streams. */
export function shardOfIndex(i: number, shards: number): number {
  return i % shards;
}

/** The shards thread `thread` of `threads` generates: every threads-th, starting at its number. */
export function shardsOfThread(thread: number, threads: number, shards: number): number[] {
  const out: number[] = [];
  for (let s = thread; s < shards; s += threads) out.push(s);
  return out;
}

/** Threads that can share `shards` shards (one at least, at most one per shard). */
export function usableThreads(requested: number, shards: number): number {
  return Math.max(1, Math.min(requested, shards));
}

/**
 * Topics (name → partition count) whose partitions do not each belong to one shard: several threads
 * would write to one partition, so the per-partition order would depend on timing.
 */
export function topicsMixingShards(partitions: Record<string, number>, shards: number): string[] {
  return Object.entries(partitions)
    .filter(([, n]) => n % shards !== 0)
    .map(([t, n]) => `${t} (${n} partitions)`);
}

/**
 * Kafka's default partitioner for keyed records: murmur2 of the key's UTF-8 bytes, made positive with
 * `& 0x7fffffff` (Utils.toPositive), modulo the partition count. Byte-for-byte the Java client's
 * org.apache.kafka.common.utils.Utils.murmur2, so a key lands where a Java producer would put it.
 */
export function murmur2(data: Uint8Array, length = data.length): number {
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  let h = (seed ^ length) | 0;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k =
      (data[i4] & 0xff) |
      ((data[i4 + 1] & 0xff) << 8) |
      ((data[i4 + 2] & 0xff) << 16) |
      ((data[i4 + 3] & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  // The Java switch falls through from 3 to 2 to 1; written as nested conditions for strict TS.
  const tail = length4 * 4;
  const rest = length % 4;
  if (rest >= 3) h ^= (data[tail + 2] & 0xff) << 16;
  if (rest >= 2) h ^= (data[tail + 1] & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[tail] & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

const encoder = new TextEncoder();
let scratch = new Uint8Array(256);

/** The key's UTF-8 bytes go into a reused buffer: this runs for every record sent (and every session id drawn). */
export function partitionForKey(key: string, partitions: number): number {
  // UTF-8 needs at most 3 bytes per UTF-16 code unit.
  if (key.length * 3 > scratch.length) scratch = new Uint8Array(key.length * 3);
  const { written } = encoder.encodeInto(key, scratch);
  return toPositive(murmur2(scratch, written)) % partitions;
}

/**
 * Byte strings back to back in one new buffer, for handing a batch to another thread: one transfer
 * instead of a structured clone per value, and never a buffer of Node's shared allocation pool (which
 * must not be transferred away). Part i is bytes [ends[i-1], ends[i]).
 */
export interface PackedBytes {
  bytes: Uint8Array;
  ends: Uint32Array;
}

export function packBytes(parts: readonly Uint8Array[]): PackedBytes {
  const ends = new Uint32Array(parts.length);
  let total = 0;
  for (let i = 0; i < parts.length; i++) ends[i] = total += parts[i].length;
  const bytes = new Uint8Array(total);
  for (let i = 0; i < parts.length; i++) bytes.set(parts[i], i === 0 ? 0 : ends[i - 1]);
  return { bytes, ends };
}

/** Part i of a packed buffer, as a Buffer over the same memory (no copy). */
export function partAt(p: PackedBytes, i: number): Buffer {
  const start = i === 0 ? 0 : p.ends[i - 1];
  return Buffer.from(p.bytes.buffer, p.bytes.byteOffset + start, p.ends[i] - start);
}

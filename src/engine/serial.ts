import { DenseHistogram } from './histogram.js';
import { Hll } from './hll.js';

/**
 * Snapshot encoding: engine state is plain objects, arrays, numbers, strings, Sets, Maps and HLL sketches.
 * JSON has no Set, Map or Infinity, so they are tagged. Sets and Maps are written in iteration order and
 * rebuilt in that order, which keeps every later iteration (and so every later output) identical to an
 * uninterrupted engine's.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function encode(value: unknown): Json {
  // Hot in every checkpoint (engine state is mostly small arrays and objects of numbers and strings):
  // plain loops, no Object.entries or spread copies.
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? value : { $num: String(value) };
    case 'string':
    case 'boolean':
      return value;
    case 'undefined':
      return null;
    case 'object':
      break;
    default:
      throw new Error(`snapshot: cannot encode a ${typeof value}`);
  }
  if (value === null) return null;
  if (Array.isArray(value)) {
    const out: Json[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = encode(value[i]);
    return out;
  }
  if (value instanceof Set) {
    const out: Json[] = [];
    for (const x of value) out.push(typeof x === 'string' ? x : encode(x));
    return { $set: out };
  }
  if (value instanceof Map) {
    const out: Json[] = [];
    for (const [k, v] of value) out.push([encode(k), encode(v)]);
    return { $map: out };
  }
  if (value instanceof Hll) return { $hll: value.toBase64(), p: value.precision };
  if (value instanceof DenseHistogram) return { $gaps: value.toGaps() };
  const out: { [k: string]: Json } = {};
  const o = value as Record<string, unknown>;
  for (const k in o) out[k] = encode(o[k]);
  return out;
}

export function decode(json: Json): unknown {
  if (json === null || typeof json !== 'object') return json;
  if (Array.isArray(json)) return json.map(decode);
  if ('$num' in json) return Number(json.$num);
  if ('$set' in json) return new Set((json.$set as Json[]).map(decode));
  if ('$map' in json) return new Map((json.$map as [Json, Json][]).map(([k, v]) => [decode(k), decode(v)]));
  if ('$gaps' in json) return DenseHistogram.fromGaps(json.$gaps as number[]);
  // Snapshots of earlier versions: [value, count, ...] flat, and before that [value, count] pairs.
  if ('$flat' in json) return DenseHistogram.fromFlat(json.$flat as number[]);
  if ('$hist' in json) return DenseHistogram.fromPairs(json.$hist as [number, number][]);
  if ('$hll' in json) return Hll.fromBase64(json.$hll as string, json.p as number);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) out[k] = decode(v);
  return out;
}

/** -Infinity/Infinity are common in watermark state; JSON turns them into null, so encode them explicitly. */
export function encodeNum(n: number): number | string {
  return Number.isFinite(n) ? n : String(n);
}
export function decodeNum(v: unknown, where: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || Number.isNaN(n))
    throw new Error(`snapshot: ${where} is not a number: ${JSON.stringify(v)}`);
  return n;
}

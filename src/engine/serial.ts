import { DenseHistogram } from './histogram.js';
import { Hll } from './hll.js';

/**
 * Snapshot encoding: engine state is plain objects, arrays, numbers, strings, Sets, Maps and HLL sketches.
 * JSON has no Set, Map or Infinity, so they are tagged. Sets and Maps are written in iteration order and
 * rebuilt in that order, which keeps every later iteration (and so every later output) identical to an
 * uninterrupted engine's.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * How many elements of each set were encoded before (early panes, sent every interval while the window is
 * open): a set met again is written as what it gained since, `{$grow, from}`. Distinct sets only grow, by
 * appending in insertion order, so those are the elements after the first `from`. decodeOnto applies them.
 */
export type SentSizes = WeakMap<Set<unknown>, number>;

export function encode(value: unknown, sent?: SentSizes): Json {
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
    for (let i = 0; i < value.length; i++) out[i] = encode(value[i], sent);
    return out;
  }
  if (value instanceof Set) {
    const from = sent?.get(value) ?? 0;
    sent?.set(value, value.size);
    const out: Json[] = [];
    let i = 0;
    for (const x of value) if (i++ >= from) out.push(typeof x === 'string' ? x : encode(x));
    return from > 0 ? { $grow: out, from } : { $set: out };
  }
  if (value instanceof Map) {
    const out: Json[] = [];
    for (const [k, v] of value) out.push([encode(k), encode(v, sent)]);
    return { $map: out };
  }
  if (value instanceof Hll) return { $hll: value.toBase64(), p: value.precision };
  if (value instanceof DenseHistogram) return { $gaps: value.toGaps() };
  const out: { [k: string]: Json } = {};
  const o = value as Record<string, unknown>;
  for (const k in o) out[k] = encode(o[k], sent);
  return out;
}

export function decode(json: Json): unknown {
  if (json === null || typeof json !== 'object') return json;
  if (Array.isArray(json)) return json.map(decode);
  if ('$grow' in json) return decodeOnto(undefined, json);
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

/**
 * What encode(value, sent) wrote, decoded onto what its previous encoding decoded to: a `{$grow}` set is
 * `existing`'s set with the elements added (the same Set object: the memo of unionExact stays valid), and
 * so is a whole `{$set}` whose first elements are `existing`'s, in order (a final pane after its early
 * ones); maps, arrays and plain objects are decoded part by part onto the parts of `existing` they had.
 */
export function decodeOnto(existing: unknown, json: Json): unknown {
  if (json === null || typeof json !== 'object') return json;
  if (Array.isArray(json)) {
    const old = Array.isArray(existing) ? (existing as unknown[]) : [];
    return json.map((x, i) => decodeOnto(old[i], x));
  }
  if ('$grow' in json) {
    const from = json.from as number;
    if (!(existing instanceof Set) || existing.size !== from)
      throw new Error(
        `snapshot: a set sent as ${(json.$grow as Json[]).length} elements after the first ${from} has no such set to grow (${existing instanceof Set ? `${existing.size} elements` : 'none'})`,
      );
    for (const x of json.$grow as Json[]) existing.add(element(x));
    return existing;
  }
  if ('$set' in json && existing instanceof Set && startsWith(json.$set as Json[], existing)) {
    const all = json.$set as Json[];
    for (let i = existing.size; i < all.length; i++) existing.add(element(all[i]));
    return existing;
  }
  if ('$map' in json) {
    const old = existing instanceof Map ? existing : new Map<unknown, unknown>();
    const out = new Map<unknown, unknown>();
    for (const [k, v] of json.$map as [Json, Json][]) {
      const key = decode(k);
      out.set(key, decodeOnto(old.get(key), v));
    }
    return out;
  }
  if (TAGS.some((t) => t in json)) return decode(json);
  const old = isPlain(existing) ? existing : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) out[k] = decodeOnto(old[k], v);
  return out;
}

/** The tags of encode()'s objects that decodeOnto decodes whole ($grow and $map it decodes onto). */
const TAGS = ['$num', '$set', '$gaps', '$flat', '$hist', '$hll'];

/** A set element: strings (ids, the common case) as they are, anything else decoded. */
const element = (x: Json): unknown => (typeof x === 'string' ? x : decode(x));

/** Whether `set`'s elements are the first ones of `list`, in order (strings compared; others never match). */
function startsWith(list: Json[], set: Set<unknown>): boolean {
  if (set.size > list.length) return false;
  let i = 0;
  for (const x of set) if (typeof x !== 'string' || list[i++] !== x) return false;
  return true;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
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

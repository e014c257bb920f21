/**
 * A reader generated for one flat Avro record schema, for the well-formed messages that are nearly all of a
 * stream: fields read inline, with no Tap object, type dispatch or result wrapper per message. It decides
 * nothing about malformed input: on anything unusual it returns undefined and the caller decodes with avsc,
 * which gives the reason. For every message it reads, the value equals avsc's (same fields, same order).
 */
export type AvroReader = (buf: Buffer, pos: number) => Record<string, unknown> | undefined;

/** Node's Buffer method behind toString('utf8', start, end), without its argument handling (as avsc reads). */
interface Utf8Slicer {
  utf8Slice(start: number, end: number): string;
}

type FieldType = string | string[] | { type: string; symbols?: string[] };

function text(buf: Buffer, start: number, len: number): string {
  return (buf as unknown as Utf8Slicer).utf8Slice(start, start + len);
}

const INTERN_BITS = 14;
const internTable: string[] = new Array<string>(1 << INTERN_BITS).fill('');

/**
 * `text` for fields whose values repeat (users, countries, pages...): a direct-mapped table of recent
 * strings returns the same string for the same bytes. That saves the allocation, and the views' Set and Map
 * lookups then get a string whose hash V8 has already computed and that is equal by identity.
 */
function internedText(buf: Buffer, start: number, len: number): string {
  let h = 0x811c9dc5;
  for (let i = start; i < start + len; i++) {
    const b = buf[i];
    // Beyond ASCII a byte is not a character: leave those strings to the UTF-8 decoder.
    if (b > 0x7f) return text(buf, start, len);
    h = Math.imul(h ^ b, 0x01000193);
  }
  const slot = (h ^ (h >>> INTERN_BITS)) & ((1 << INTERN_BITS) - 1);
  const cached = internTable[slot];
  if (cached.length === len) {
    let i = 0;
    while (i < len && cached.charCodeAt(i) === buf[start + i]) i++;
    if (i === len) return cached;
  }
  return (internTable[slot] = text(buf, start, len));
}

/** Zigzag varint into `v` exactly as avsc's Tap.readLong (bit operations up to 28 bits, then floats). */
const readLong = (v: string) => `
  x = 0; k = 0;
  do { if (p >= n) return undefined; b = buf[p++]; x |= (b & 0x7f) << k; k += 7; } while (b & 0x80 && k < 28);
  if (b & 0x80) {
    f = x; fk = 268435456;
    do { if (p >= n) return undefined; b = buf[p++]; f += (b & 0x7f) * fk; fk *= 128; } while (b & 0x80);
    ${v} = (f % 2 ? -(f + 1) : f) / 2;
  } else ${v} = (x >> 1) ^ -(x & 1);`;

/** Code reading one value of `type` into `v`, or null for a type this reader leaves to avsc. */
function valueCode(type: FieldType, v: string, textFn: string, consts: unknown[]): string | null {
  if (type === 'string') {
    return `${readLong('len')}
  if (len < 0 || p + len > n) return undefined;
  ${v} = ${textFn}(buf, p, len); p += len;`;
  }
  // avsc checks longs (not ints) for precision loss.
  if (type === 'long')
    return `${readLong(v)}\n  if (!(${v} >= -9007199254740990 && ${v} <= 9007199254740990)) return undefined;`;
  if (type === 'int') return readLong(v);
  if (type === 'double') return `if (p + 8 > n) return undefined; ${v} = buf.readDoubleLE(p); p += 8;`;
  if (Array.isArray(type)) {
    if (type.length !== 2 || type[0] !== 'null') return null;
    const inner = valueCode(type[1], v, textFn, consts);
    if (inner === null) return null;
    return `${readLong('k2')}
  if (k2 === 0) ${v} = null;
  else if (k2 === 1) { ${inner} }
  else return undefined;`;
  }
  if (typeof type === 'object' && type.type === 'enum' && type.symbols) {
    consts.push(type.symbols);
    return `${readLong('k2')}
  ${v} = c[${consts.length - 1}][k2]; if (${v} === undefined) return undefined;`;
  }
  return null;
}

/**
 * The reader of a flat record schema (strings, ints, longs, doubles, enums, ["null", x] unions), or null
 * when it has other fields, which then always decode with avsc. Strings of the fields named in `unique` (ids
 * new in nearly every message) are not interned: that would only cost a lookup and evict strings that repeat.
 */
export function compileAvroReader(
  schema: { type: string; fields?: { name: string; type: FieldType }[] },
  unique: readonly string[],
): AvroReader | null {
  if (schema.type !== 'record' || !schema.fields) return null;
  const consts: unknown[] = [];
  const parts: string[] = [];
  for (const [i, field] of schema.fields.entries()) {
    const code = valueCode(
      field.type,
      `v${i}`,
      unique.includes(field.name) ? 'text' : 'internedText',
      consts,
    );
    if (code === null) return null;
    parts.push(`let v${i};${code}`);
  }
  const record = schema.fields.map((field, i) => `${JSON.stringify(field.name)}: v${i}`).join(', ');
  const body = `return function read(buf, p) {
  const n = buf.length;
  let b, x, k, f, fk, len, k2;
  ${parts.join('\n  ')}
  if (p !== n) return undefined;
  return { ${record} };
};`;
  return new Function('c', 'text', 'internedText', body)(consts, text, internedText) as AvroReader;
}

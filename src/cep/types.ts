import type { FieldType } from './fields.js';

/**
 * The static types of pattern expressions, as the checker infers them: the set of kinds of value an
 * expression may have at run time. A set with several members is a union (a field of ANY events, a view
 * field nobody declared), so the checker only rejects what can never work: an operation none of whose
 * possible operand kinds it is defined for.
 */

export type Base = 'number' | 'string' | 'boolean' | 'object' | 'null';

export interface Ty {
  bases: ReadonlySet<Base>;
  /** The only strings it can be (an enumeration or a string literal); null: any string. */
  values: ReadonlySet<string> | null;
}

const ty = (bases: Base[], values: Iterable<string> | null = null): Ty => ({
  bases: new Set(bases),
  values: values && new Set(values),
});

export const NUMBER = ty(['number']);
export const STRING = ty(['string']);
export const BOOLEAN = ty(['boolean']);
export const NULL = ty(['null']);
/** Whatever a view result field or a custom property may hold. */
export const UNKNOWN = ty(['number', 'string', 'boolean', 'object', 'null']);

export const literalType = (v: number | string | boolean | null): Ty =>
  v === null ? NULL : typeof v === 'number' ? NUMBER : typeof v === 'boolean' ? BOOLEAN : ty(['string'], [v]);

export function fieldType(t: FieldType): Ty {
  if (typeof t !== 'string') return ty(['string'], t);
  return t === 'number' ? NUMBER : t === 'string' ? STRING : ty(['object']);
}

export function union(ts: Ty[]): Ty {
  const bases = new Set(ts.flatMap((t) => [...t.bases]));
  // Values stay known only while every string member is an enumeration or a literal.
  const strings = ts.filter((t) => t.bases.has('string'));
  const values = strings.every((t) => t.values) ? new Set(strings.flatMap((t) => [...t.values!])) : null;
  return { bases, values };
}

export const has = (t: Ty, b: Base): boolean => t.bases.has(b);
export const onlyNull = (t: Ty): boolean => t.bases.size === 1 && t.bases.has('null');

/** Whether two values of these types can ever be equal (NULL aside: comparing with NULL is never TRUE). */
export function canEqual(a: Ty, b: Ty): boolean {
  for (const x of a.bases) {
    if (x === 'null' || !b.bases.has(x)) continue;
    if (x !== 'string' || !a.values || !b.values) return true;
    if ([...a.values].some((v) => b.values!.has(v))) return true;
  }
  return false;
}

/** Whether `<`, `<=`, `>`, `>=` are defined for some pair of run-time values (numbers or strings). */
export const canOrder = (a: Ty, b: Ty): boolean =>
  (has(a, 'number') && has(b, 'number')) || (has(a, 'string') && has(b, 'string'));

const NAMES: Record<Base, string> = {
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean (TRUE/FALSE)',
  object: 'an object',
  null: 'NULL',
};

/** "a number", "a string (one of premium, regular, new)", "a number or a string". */
export function describe(t: Ty): string {
  const names = [...t.bases].map((b) =>
    b === 'string' && t.values && t.values.size > 1
      ? `a string (one of ${[...t.values].join(', ')})`
      : NAMES[b],
  );
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names[0];
}

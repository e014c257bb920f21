import { didYouMean } from '../config/suggest.js';
import type { Expr } from './ast.js';
import type { Source } from './errors.js';
import { fieldTypes, fieldsForKinds, resolveField } from './fields.js';
import type { RawElement } from './parser.js';
import { quoteExpr } from './print.js';
import {
  BOOLEAN,
  NUMBER,
  STRING,
  UNKNOWN,
  canEqual,
  canOrder,
  describe,
  fieldType,
  has,
  literalType,
  onlyNull,
  union,
  type Base,
  type Ty,
} from './types.js';

/**
 * Checks one expression of a pattern or rule: names (variables, fields, functions, arity) and types. Each
 * operation must be defined for some of the values its operands can take at run time (src/cep/types.ts);
 * one that never is — `A.user_type > 5`, `B.revenue = 'abc'`, `B.revenue AND 1` — would silently never
 * match, so it is an error at its source position. Field names are resolved in place (`idle_time` →
 * `idle_time_ms`).
 */

export const AGGREGATES = new Set(['count', 'distinct', 'sum', 'min', 'max', 'avg', 'first', 'last']);
/** name → [min args, max args, pattern only] */
const SCALARS: Record<string, [number, number, boolean]> = {
  abs: [1, 1, false],
  round: [1, 2, false],
  floor: [1, 1, false],
  ceil: [1, 1, false],
  lower: [1, 1, false],
  upper: [1, 1, false],
  coalesce: [2, 8, false],
  key: [0, 0, false],
  elapsed: [0, 0, true],
  fmt_duration: [1, 1, false],
  pct: [1, 1, false],
};
export const BASELINE_NAMES = ['value', 'mean', 'stddev', 'zscore', 'samples'];

export interface PatternScope {
  kind: 'pattern';
  elements: RawElement[];
  index: Map<string, number>;
}
/** Rule names read view result fields, whose types nobody declares, except the BASELINE numbers. */
export type Scope = PatternScope | { kind: 'rule'; baseline: boolean };

type Path = Extract<Expr, { type: 'path' }>;

/** A WHERE condition (or one conjunct of it): it must be able to be TRUE. */
export function checkCondition(src: Source, e: Expr, scope: Scope): void {
  const t = checkExpr(src, e, scope);
  if (!has(t, 'boolean'))
    throw src.error(
      e.pos,
      `a condition must be TRUE or FALSE, but ${quoteExpr(e)} is ${describe(t)}${t.bases.has('number') ? ` (write a comparison, e.g. ${quoteExpr(e)} > 0)` : ''}`,
    );
}

/** Any other expression (a message placeholder): its value is printed, whatever its type. */
export function checkExpr(src: Source, e: Expr, scope: Scope): Ty {
  switch (e.type) {
    case 'literal':
      if (typeof e.value === 'number' && !Number.isFinite(e.value))
        throw src.error(e.pos, `number ${e.text} is too large`);
      return literalType(e.value);
    case 'path':
      return checkPath(src, e, scope, false);
    case 'isnull':
      checkExpr(src, e.arg, scope);
      return BOOLEAN;
    case 'unary': {
      const t = checkExpr(src, e.arg, scope);
      const need: Base = e.op === '-' ? 'number' : 'boolean';
      if (!has(t, need))
        throw src.error(
          e.pos,
          e.op === '-'
            ? `unary minus needs a number, but ${quoteExpr(e.arg)} is ${describe(t)}`
            : `NOT needs a condition (TRUE/FALSE), but ${quoteExpr(e.arg)} is ${describe(t)}`,
        );
      return e.op === '-' ? NUMBER : BOOLEAN;
    }
    case 'logical':
      for (const a of e.args) {
        const t = checkExpr(src, a, scope);
        if (!has(t, 'boolean'))
          throw src.error(
            a.pos,
            `${e.op} needs a condition (TRUE/FALSE) on each side, but ${quoteExpr(a)} is ${describe(t)}`,
          );
      }
      return BOOLEAN;
    case 'arith':
      return checkArith(src, e, scope);
    case 'binary':
      checkComparison(src, e, checkExpr(src, e.left, scope), checkExpr(src, e.right, scope));
      return BOOLEAN;
    case 'in': {
      const t = checkExpr(src, e.arg, scope);
      if (onlyNull(t)) throw src.error(e.arg.pos, 'NULL is never IN a list: write IS NULL');
      for (const x of e.list) {
        const xt = checkExpr(src, x, scope);
        if (onlyNull(xt))
          throw src.error(x.pos, `NULL in an IN list never matches: write ${quoteExpr(e.arg)} IS NULL`);
        if (!canEqual(t, xt)) throw src.error(x.pos, neverEqual(e.arg, t, x, xt, 'is never in the list'));
      }
      return BOOLEAN;
    }
    case 'call':
      return checkCall(src, e, scope);
  }
}

function checkArith(src: Source, e: Extract<Expr, { type: 'arith' }>, scope: Scope): Ty {
  let left = checkExpr(src, e.first, scope);
  e.rest.forEach((s, i) => {
    const right = checkExpr(src, s.arg, scope);
    const l = i === 0 ? quoteExpr(e.first) : `the left side of ${s.op}`;
    const r = quoteExpr(s.arg);
    if (onlyNull(left) || onlyNull(right))
      throw src.error(s.pos, `arithmetic with NULL is always NULL (${s.op} with ${onlyNull(left) ? l : r})`);
    const numbers = has(left, 'number') && has(right, 'number');
    if (s.op === '+') {
      const text = has(left, 'string') || has(right, 'string');
      if (!numbers && !text)
        throw src.error(
          s.pos,
          `+ adds numbers or joins strings, but ${l} is ${describe(left)} and ${r} is ${describe(right)}`,
        );
      // Joined text can be anything: STRING keeps none of the operands' values.
      left = union([...(numbers ? [NUMBER] : []), ...(text ? [STRING] : [])]);
      return;
    }
    if (!numbers) {
      const [bad, t] = has(left, 'number') ? [r, right] : [l, left];
      throw src.error(s.pos, `${s.op} needs numbers, but ${bad} is ${describe(t)}`);
    }
    left = NUMBER;
  });
  return left;
}

function checkComparison(src: Source, e: Extract<Expr, { type: 'binary' }>, l: Ty, r: Ty): void {
  if (onlyNull(l) || onlyNull(r)) {
    const other = onlyNull(l) ? e.right : e.left;
    throw src.error(
      e.pos,
      `a comparison with NULL is never TRUE: write ${quoteExpr(other)} IS ${e.op === '!=' ? 'NOT ' : ''}NULL`,
    );
  }
  if (e.op === '=' || e.op === '!=') {
    if (!canEqual(l, r))
      throw src.error(
        e.pos,
        neverEqual(e.left, l, e.right, r, e.op === '=' ? 'is never TRUE' : 'is always TRUE'),
      );
    return;
  }
  if (!canOrder(l, r))
    throw src.error(
      e.pos,
      `${e.op} compares numbers with numbers or strings with strings, but ${quoteExpr(e.left)} is ${describe(l)} and ${quoteExpr(e.right)} is ${describe(r)}`,
    );
}

const quoteValues = (vs: ReadonlySet<string>) =>
  vs.size === 1 ? `always '${[...vs][0]}'` : `one of ${[...vs].map((v) => `'${v}'`).join(', ')}`;

/** Why two operands are never equal; `outcome` says what that makes of the comparison. */
function neverEqual(a: Expr, at: Ty, b: Expr, bt: Ty, outcome: string): string {
  const strings = has(at, 'string') && has(bt, 'string');
  if (strings && at.values && bt.values) {
    // An enumeration against a literal: name the values it can take, and the nearest one.
    const [field, ft, lit] =
      b.type === 'literal' ? [a, at, String(b.value)] : a.type === 'literal' ? [b, bt, String(a.value)] : [];
    if (field && ft && lit !== undefined)
      return `${quoteExpr(field)} is never '${lit}': it is ${quoteValues(ft.values!)}${didYouMean(lit, [...ft.values!], (v) => `'${v}'`)}, so this ${outcome}`;
    return `${quoteExpr(a)} (${quoteValues(at.values)}) and ${quoteExpr(b)} (${quoteValues(bt.values)}) are never equal, so this ${outcome}`;
  }
  return `${quoteExpr(a)} is ${describe(at)} and ${quoteExpr(b)} is ${describe(bt)}: they are never equal, so this ${outcome}`;
}

function needArg(src: Source, name: string, arg: Expr, t: Ty, base: Base) {
  if (!has(t, base))
    throw src.error(
      arg.pos,
      `${name}() needs ${describe({ bases: new Set([base]), values: null })}, but ${quoteExpr(arg)} is ${describe(t)}`,
    );
}

function checkCall(src: Source, e: Extract<Expr, { type: 'call' }>, scope: Scope): Ty {
  if (AGGREGATES.has(e.name)) {
    if (scope.kind !== 'pattern')
      throw src.error(
        e.pos,
        `${e.name}() aggregates the events of a pattern variable; a RULE reads one view result`,
      );
    const arg = e.args[0];
    if (e.args.length !== 1 || arg.type !== 'path') {
      throw src.error(
        e.pos,
        e.name === 'count'
          ? 'count() takes one pattern variable, e.g. count(B)'
          : `${e.name}() takes one field of a pattern variable, e.g. ${e.name}(B.price)`,
      );
    }
    if (e.name === 'count' && arg.parts.length !== 1)
      throw src.error(arg.pos, 'count() takes a variable, not a field: write count(B)');
    const t = checkPath(src, arg, scope, e.name === 'count');
    if (e.name === 'count' || e.name === 'distinct') return NUMBER;
    if (e.name === 'first' || e.name === 'last') return t;
    // sum, avg, min and max skip values that are not numbers: over none they say nothing.
    needArg(src, e.name, arg, t, 'number');
    return NUMBER;
  }
  const sig = SCALARS[e.name];
  if (!sig)
    throw src.error(
      e.pos,
      `unknown function ${e.name}(): expected one of ${[...AGGREGATES, ...Object.keys(SCALARS)].join(', ')}${didYouMean(e.name, [...AGGREGATES, ...Object.keys(SCALARS)])}`,
    );
  if (sig[2] && scope.kind !== 'pattern') throw src.error(e.pos, `${e.name}() is only defined in patterns`);
  if (e.args.length < sig[0] || e.args.length > sig[1]) {
    throw src.error(
      e.pos,
      `${e.name}() takes ${sig[0] === sig[1] ? sig[0] : `${sig[0]} to ${sig[1]}`} argument(s), not ${e.args.length}`,
    );
  }
  const types = e.args.map((x) => checkExpr(src, x, scope));
  switch (e.name) {
    case 'abs':
    case 'floor':
    case 'ceil':
    case 'round':
      e.args.forEach((x, i) => needArg(src, e.name, x, types[i], 'number'));
      return NUMBER;
    case 'fmt_duration':
    case 'pct':
      needArg(src, e.name, e.args[0], types[0], 'number');
      return STRING;
    case 'lower':
    case 'upper': {
      needArg(src, e.name, e.args[0], types[0], 'string');
      const vs = types[0].values;
      const f = (v: string) => (e.name === 'lower' ? v.toLowerCase() : v.toUpperCase());
      return { bases: new Set(['string']), values: vs && new Set([...vs].map(f)) };
    }
    case 'coalesce':
      return union(types);
    case 'key':
      return STRING;
    case 'elapsed':
      return NUMBER;
  }
  return UNKNOWN;
}

function checkPath(src: Source, e: Path, scope: Scope, bareVariable: boolean): Ty {
  if (scope.kind === 'rule')
    return scope.baseline && e.parts.length === 1 && BASELINE_NAMES.includes(e.parts[0]) ? NUMBER : UNKNOWN;
  const i = scope.index.get(e.parts[0]);
  if (i === undefined) {
    throw src.error(
      e.pos,
      `unknown variable ${e.parts[0]}: expected one of the pattern's variables (${[...scope.index.keys()].join(', ')}) followed by .field${didYouMean(e.parts[0], [...scope.index.keys()])}`,
    );
  }
  if (bareVariable) return NUMBER;
  if (e.parts.length < 2)
    throw src.error(e.pos, `expected a field after ${e.parts[0]}, as in ${e.parts[0]}.user_id`);
  const el = scope.elements[i];
  const kinds = el.kinds && el.kinds.map((k) => (k.startsWith('custom:') ? k.slice(7) : k));
  const field = resolveField(e.parts[1], el.kinds);
  if (field === null) {
    const known = fieldsForKinds(kinds!);
    throw src.error(
      e.pos,
      `unknown field '${e.parts[1]}' for ${kinds!.join('|')} events: expected one of ${known.join(', ')}${didYouMean(e.parts[1], known)}`,
    );
  }
  e.parts[1] = field;
  const t = union(fieldTypes(field, el.kinds).map(fieldType));
  if (e.parts.length === 2) return t;
  // Only custom properties are an object (of strings); a field of anything else has no fields.
  const [owner, inner] = e.parts.length === 3 ? [t, e.parts[2]] : [STRING, e.parts[3]];
  if (!has(owner, 'object'))
    throw src.error(
      e.pos,
      `${e.parts.slice(0, e.parts.length - 1).join('.')} is ${describe(owner)}: it has no field '${inner}'`,
    );
  return STRING;
}

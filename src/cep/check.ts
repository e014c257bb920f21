import { basename } from 'node:path';
import type { ElementDef, Expr, PatternDefinition, SequencePattern, Template, ThresholdRule } from './ast.js';
import type { Source } from './errors.js';
import { KNOWN_KINDS, fieldsForKinds, resolveField } from './fields.js';
import type { RawDefinition, RawElement } from './parser.js';

/**
 * Semantic checks of parsed definitions (names, kinds, fields, where NOT may stand) and the distribution
 * of WHERE conjuncts: each conjunct is checked when the latest variable it mentions takes an event, or on
 * the complete match when it uses an aggregate. Every failure points at the offending source position.
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

interface PatternScope {
  kind: 'pattern';
  elements: RawElement[];
  index: Map<string, number>;
}
type Scope = PatternScope | { kind: 'rule' };

export function checkDefinitions(src: Source, raws: RawDefinition[]): PatternDefinition[] {
  const seen = new Map<string, number>();
  return raws.map((raw, n) => {
    const def = raw.rule ? checkRule(src, raw) : checkPattern(src, raw, n);
    if (seen.has(def.name))
      throw src.error(
        raw.start,
        `duplicate name '${def.name}' (first defined on line ${seen.get(def.name)})`,
      );
    seen.set(def.name, def.line);
    return def;
  });
}

function base(src: Source, raw: RawDefinition, name: string) {
  return {
    name,
    severity: raw.severity ?? 'warning',
    file: src.file,
    line: src.position(raw.start).line,
    text: src.text.slice(raw.start, raw.end),
  } as const;
}

function defaultTemplate(name: string): Template {
  return {
    text: `${name} for {key()}`,
    parts: [`${name} for `, { type: 'call', name: 'key', args: [], pos: 0 }],
  };
}

function forbid(src: Source, raw: RawDefinition, clauses: string[], what: string) {
  for (const c of clauses) {
    const at = raw.clauses[c as keyof RawDefinition['clauses']];
    if (at !== undefined) throw src.error(at, `${c} is not allowed in ${what}`);
  }
}

function checkRule(src: Source, raw: RawDefinition): ThresholdRule {
  forbid(
    src,
    raw,
    ['PATTERN', 'PARTITION', 'WITHIN'],
    `a RULE (rules read view results; sequences use PATTERN)`,
  );
  if (raw.view === undefined)
    throw src.error(
      raw.start,
      `RULE ${raw.name}: expected an ON clause naming the view it reads, e.g. ON realtime`,
    );
  if (!raw.where)
    throw src.error(raw.start, `RULE ${raw.name}: expected a WHERE clause with the alert condition`);
  const scope: Scope = { kind: 'rule' };
  checkExpr(src, raw.where, scope, false);
  const message = raw.message ?? defaultTemplate(raw.name!);
  for (const p of message.parts) if (typeof p !== 'string') checkExpr(src, p, scope, false);
  return {
    kind: 'rule',
    ...base(src, raw, raw.name!),
    message,
    view: raw.view,
    baseline: raw.baseline ? { field: raw.baseline.field, windows: raw.baseline.windows } : null,
    condition: raw.where,
    emit: raw.emit ?? 'final',
  };
}

function checkPattern(src: Source, raw: RawDefinition, n: number): SequencePattern {
  forbid(src, raw, ['ON', 'BASELINE', 'EMIT'], 'a PATTERN definition (they belong to RULE definitions)');
  const name = raw.name ?? `${basename(src.file).replace(/\.cep$/, '')}_${n + 1}`;
  const els = raw.elements;
  if (!els)
    throw src.error(
      raw.start,
      `definition ${name}: expected a PATTERN clause (or RULE for a threshold rule)`,
    );
  if (raw.withinMs === undefined) {
    throw src.error(
      raw.end,
      `pattern ${name}: expected WITHIN <duration> (e.g. WITHIN 10 MINUTES): it bounds how long partial matches are kept`,
    );
  }
  const index = new Map<string, number>();
  els.forEach((e, i) => {
    if (index.has(e.variable)) throw src.error(e.pos, `variable ${e.variable} is used twice in this pattern`);
    index.set(e.variable, i);
    checkKinds(src, e);
  });
  checkStructure(src, els);
  const scope: PatternScope = { kind: 'pattern', elements: els, index };
  const conditions: Expr[][] = els.map(() => []);
  const filters: Expr[] = [];
  for (const c of raw.where ? conjuncts(raw.where) : []) {
    checkExpr(src, c, scope, true);
    const { refs, aggregate } = references(c, index);
    if (aggregate) {
      const neg = [...refs].find((r) => els[r].negated);
      if (neg !== undefined)
        throw src.error(
          c.pos,
          `aggregates cannot read NOT variable ${els[neg].variable}: it binds no events`,
        );
      filters.push(c);
      continue;
    }
    const target = refs.size ? Math.max(...refs) : 0;
    for (const r of refs) {
      if (els[r].negated && r !== target) {
        throw src.error(
          c.pos,
          `a condition on NOT variable ${els[r].variable} may only refer to variables before it, not ${els[target].variable}`,
        );
      }
    }
    conditions[target].push(c);
  }
  const message = raw.message ?? defaultTemplate(name);
  for (const p of message.parts) if (typeof p !== 'string') checkExpr(src, p, scope, true);
  const elements: ElementDef[] = els.map((e, i) => ({
    variable: e.variable,
    kinds: e.kinds && e.kinds.map((k) => k.replace(/^custom:/, '')),
    min: e.min,
    max: e.max,
    negated: e.negated,
    strict: e.strict,
    condition: allOf(conditions[i]),
  }));
  return {
    kind: 'sequence',
    ...base(src, raw, name),
    message,
    partitionBy: raw.partitionBy ?? 'user_id',
    elements,
    where: raw.where ?? null,
    filter: allOf(filters),
    withinMs: raw.withinMs,
  };
}

function checkKinds(src: Source, e: RawElement) {
  for (const k of e.kinds ?? []) {
    if (!k.startsWith('custom:') && !(k in KNOWN_KINDS)) {
      throw src.error(
        e.kindPos,
        `unknown event kind '${k}': expected one of ${Object.keys(KNOWN_KINDS).join(', ')}, ANY, or custom:NAME for a custom event`,
      );
    }
  }
}

function checkStructure(src: Source, els: RawElement[]) {
  if (els[0].negated)
    throw src.error(
      els[0].pos,
      'a pattern cannot start with NOT: absence is only defined after an event that happened',
    );
  if (els[0].min === 0)
    throw src.error(els[0].pos, 'the first element must take at least one event (quantifier minimum ≥ 1)');
  els.forEach((e, i) => {
    if (!e.negated) return;
    const prev = els[i - 1];
    const next = els[i + 1];
    if (e.strict)
      throw src.error(e.pos, "NOT needs relaxed contiguity: write '-> NOT (...)', not '=> NOT (...)'");
    if (!prev.negated && prev.min === 0)
      throw src.error(
        e.pos,
        `the element before NOT (${prev.variable}) must be mandatory (minimum ≥ 1), so the absence has a start`,
      );
    if (next && !next.negated && next.min === 0)
      throw src.error(
        next.pos,
        `the element after NOT (${next.variable}) must be mandatory (minimum ≥ 1), so the absence has an end`,
      );
    if (next && next.strict)
      throw src.error(next.pos, "the element after NOT needs relaxed contiguity: write '->', not '=>'");
  });
}

function conjuncts(e: Expr): Expr[] {
  return e.type === 'logical' && e.op === 'AND' ? e.args.flatMap(conjuncts) : [e];
}

/** The conjunction of `cs` (null for none). */
function allOf(cs: Expr[]): Expr | null {
  if (cs.length <= 1) return cs[0] ?? null;
  return { type: 'logical', op: 'AND', args: cs, pos: cs[1].pos };
}

/** Element indices an expression reads, and whether it needs the complete match (aggregates, elapsed()). */
export function references(e: Expr, index: Map<string, number>): { refs: Set<number>; aggregate: boolean } {
  const refs = new Set<number>();
  let aggregate = false;
  const walk = (x: Expr) => {
    switch (x.type) {
      case 'path': {
        const i = index.get(x.parts[0]);
        if (i !== undefined) refs.add(i);
        return;
      }
      case 'call':
        if (AGGREGATES.has(x.name) || x.name === 'elapsed') aggregate = true;
        x.args.forEach(walk);
        return;
      case 'unary':
      case 'isnull':
        walk(x.arg);
        return;
      case 'binary':
        walk(x.left);
        walk(x.right);
        return;
      case 'logical':
        x.args.forEach(walk);
        return;
      case 'arith':
        walk(x.first);
        for (const s of x.rest) walk(s.arg);
        return;
      case 'in':
        walk(x.arg);
        x.list.forEach(walk);
        return;
      case 'literal':
        return;
    }
  };
  walk(e);
  return { refs, aggregate };
}

function checkExpr(src: Source, e: Expr, scope: Scope, _top: boolean): void {
  switch (e.type) {
    case 'literal':
      return;
    case 'path':
      checkPath(src, e, scope, false);
      return;
    case 'unary':
    case 'isnull':
      checkExpr(src, e.arg, scope, false);
      return;
    case 'binary':
      checkExpr(src, e.left, scope, false);
      checkExpr(src, e.right, scope, false);
      return;
    case 'logical':
      e.args.forEach((x) => checkExpr(src, x, scope, false));
      return;
    case 'arith':
      checkExpr(src, e.first, scope, false);
      for (const s of e.rest) checkExpr(src, s.arg, scope, false);
      return;
    case 'in':
      checkExpr(src, e.arg, scope, false);
      e.list.forEach((x) => checkExpr(src, x, scope, false));
      return;
    case 'call': {
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
        checkPath(src, arg, scope, e.name === 'count');
        return;
      }
      const sig = SCALARS[e.name];
      if (!sig)
        throw src.error(
          e.pos,
          `unknown function ${e.name}(): expected one of ${[...AGGREGATES, ...Object.keys(SCALARS)].join(', ')}`,
        );
      if (sig[2] && scope.kind !== 'pattern')
        throw src.error(e.pos, `${e.name}() is only defined in patterns`);
      if (e.args.length < sig[0] || e.args.length > sig[1]) {
        throw src.error(
          e.pos,
          `${e.name}() takes ${sig[0] === sig[1] ? sig[0] : `${sig[0]} to ${sig[1]}`} argument(s), not ${e.args.length}`,
        );
      }
      e.args.forEach((x) => checkExpr(src, x, scope, false));
      return;
    }
  }
}

function checkPath(src: Source, e: Extract<Expr, { type: 'path' }>, scope: Scope, bareVariable: boolean) {
  if (scope.kind === 'rule') return;
  const i = scope.index.get(e.parts[0]);
  if (i === undefined) {
    throw src.error(
      e.pos,
      `unknown variable ${e.parts[0]}: expected one of the pattern's variables (${[...scope.index.keys()].join(', ')}) followed by .field`,
    );
  }
  if (bareVariable) return;
  if (e.parts.length < 2)
    throw src.error(e.pos, `expected a field after ${e.parts[0]}, as in ${e.parts[0]}.user_id`);
  const el = scope.elements[i];
  const kinds = el.kinds && el.kinds.map((k) => (k.startsWith('custom:') ? k.slice(7) : k));
  const field = resolveField(e.parts[1], el.kinds);
  if (field === null) {
    throw src.error(
      e.pos,
      `unknown field '${e.parts[1]}' for ${kinds!.join('|')} events: expected one of ${fieldsForKinds(kinds!).join(', ')}`,
    );
  }
  e.parts[1] = field;
}

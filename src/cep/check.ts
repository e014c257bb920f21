import { basename } from 'node:path';
import { didYouMean } from '../config/suggest.js';
import { RESULT_VIEWS } from '../engine/config.js';
import type { ElementDef, Expr, PatternDefinition, SequencePattern, Template, ThresholdRule } from './ast.js';
import { AGGREGATES, checkCondition, checkExpr, type PatternScope } from './check-expr.js';
import type { Source } from './errors.js';
import { ALL_FIELDS, FIELDS, KNOWN_KINDS } from './fields.js';
import type { RawDefinition, RawElement } from './parser.js';

/**
 * Semantic checks of parsed definitions (names, kinds, fields, where NOT may stand) and the distribution
 * of WHERE conjuncts: each conjunct is checked when the latest variable it mentions takes an event, or on
 * the complete match when it uses an aggregate. Every failure points at the offending source position.
 */

/** The result views a RULE can read (a view group such as `products` emits several). */
const VIEWS: string[] = Object.values(RESULT_VIEWS).flat();

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
  if (!VIEWS.includes(raw.view))
    throw src.error(
      raw.viewPos!,
      `unknown view '${raw.view}': a RULE reads the results of one of ${VIEWS.join(', ')}${didYouMean(raw.view, VIEWS)}`,
    );
  const scope = { kind: 'rule', baseline: raw.baseline !== undefined } as const;
  checkCondition(src, raw.where, scope);
  const message = raw.message ?? defaultTemplate(raw.name!);
  for (const p of message.parts) if (typeof p !== 'string') checkExpr(src, p, scope);
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
  if (raw.partitionBy !== undefined) checkPartition(src, raw.partitionBy, raw.partitionPos!, els);
  const scope: PatternScope = { kind: 'pattern', elements: els, index };
  const conditions: Expr[][] = els.map(() => []);
  const filters: Expr[] = [];
  for (const c of raw.where ? conjuncts(raw.where) : []) {
    checkCondition(src, c, scope);
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
  for (const p of message.parts) if (typeof p !== 'string') checkExpr(src, p, scope);
  const elements: ElementDef[] = els.map((e, i) => ({
    variable: e.variable,
    kinds: e.kinds,
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

/**
 * Events without the partition field are skipped (docs/patterns.md), so an element whose events never have
 * it could never take one: the pattern would never match (or a NOT would never see its event).
 */
function checkPartition(src: Source, field: string, pos: number, els: RawElement[]) {
  // Custom events may carry any name as a property, and ANY takes whichever events have the field.
  const typed = els.filter((e) => e.kinds && e.kinds.every((k) => k in KNOWN_KINDS));
  const common = typed.length
    ? typed
        .flatMap((e) => e.kinds!.flatMap((k) => KNOWN_KINDS[k]))
        .map((t) => FIELDS[t])
        .reduce((a, b) => a.filter((f) => b.includes(f)))
    : [...ALL_FIELDS];
  const choices = `expected a field that the events of every element have: ${common.join(', ')}${didYouMean(field, common)}`;
  if (!ALL_FIELDS.has(field) && typed.length === els.length)
    throw src.error(pos, `unknown partition field '${field}': ${choices}`);
  for (const e of els) {
    for (const k of e.kinds ?? []) {
      const lacking = (KNOWN_KINDS[k] ?? []).filter((t) => !FIELDS[t].includes(field));
      if (lacking.length)
        throw src.error(
          pos,
          `PARTITION BY ${field}: ${k} events${KNOWN_KINDS[k].length > 1 ? ` (from ${lacking.join(', ')})` : ''} have no field '${field}', so ${e.variable} would never ${e.negated ? 'see one (the NOT would always hold)' : 'take one'}; ${choices}`,
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

import type { Severity } from '../events/results.js';
import type { ArithOp, ArithStep, CompareOp, ElementDef, EmitFilter, Expr, Template } from './ast.js';
import { Source } from './errors.js';
import { tokenize, type Token } from './lexer.js';

/**
 * Recursive-descent parser for .cep files. It produces raw definitions (syntax only); check.ts then
 * validates names, kinds and fields and distributes the WHERE clause. Grammar: docs/patterns.md.
 */

export const DURATION_UNITS: Record<string, number> = {
  MS: 1,
  MILLISECOND: 1,
  MILLISECONDS: 1,
  SEC: 1000,
  SECOND: 1000,
  SECONDS: 1000,
  MIN: 60_000,
  MINUTE: 60_000,
  MINUTES: 60_000,
  HOUR: 3_600_000,
  HOURS: 3_600_000,
  DAY: 86_400_000,
  DAYS: 86_400_000,
};

/** The longest WITHIN: its partial-match state lives that long (docs/patterns.md, "Limits"). */
export const MAX_WITHIN_MS = 7 * DURATION_UNITS.DAY;
/** How deeply expressions may nest (parentheses, NOT, unary minus, calls, IN lists); see Parser.nest. */
export const MAX_NESTING = 100;
const EXPR_KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'IS', 'NULL', 'TRUE', 'FALSE']);
const CLAUSES = [
  'NAME',
  'SEVERITY',
  'MESSAGE',
  'PARTITION',
  'PATTERN',
  'WHERE',
  'WITHIN',
  'RULE',
  'ON',
  'BASELINE',
  'EMIT',
] as const;
type Clause = (typeof CLAUSES)[number];
const CLAUSE_LIST =
  'NAME, SEVERITY, MESSAGE, PARTITION BY, PATTERN, WHERE, WITHIN, RULE, ON, BASELINE or EMIT';
const SEVERITIES: Severity[] = ['info', 'warning', 'critical'];
const COMPARE: Record<string, CompareOp> = {
  '=': '=',
  '==': '=',
  '!=': '!=',
  '<>': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

/** A parsed element with the source offsets check.ts needs for its messages. */
export interface RawElement extends Omit<ElementDef, 'condition'> {
  pos: number;
  kindPos: number;
}

export interface RawDefinition {
  start: number;
  end: number;
  rule: boolean;
  clauses: Partial<Record<Clause, number>>; // clause → offset of its keyword
  name?: string;
  severity?: Severity;
  message?: Template;
  partitionBy?: string;
  partitionPos?: number;
  elements?: RawElement[];
  where?: Expr;
  withinMs?: number;
  view?: string;
  viewPos?: number;
  baseline?: { field: string[]; windows: number; pos: number };
  emit?: EmitFilter;
}

function describe(t: Token): string {
  if (t.type === 'eof') return 'end of file';
  if (t.type === 'string') return `string '${t.value}'`;
  return `'${t.value}'`;
}

export class Parser {
  private i = 0;
  private readonly toks: Token[];

  constructor(
    readonly src: Source,
    from?: number,
    to?: number,
  ) {
    this.toks = tokenize(src, from, to);
  }

  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)];
  }
  private next(): Token {
    const t = this.peek();
    if (t.type !== 'eof') this.i++;
    return t;
  }
  private isKw(word: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === 'ident' && t.value.toUpperCase() === word;
  }
  private isOp(op: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === 'op' && t.value === op;
  }
  fail(expected: string, t: Token = this.peek()): never {
    throw this.src.error(t.start, `expected ${expected}, found ${describe(t)}`);
  }
  private expectOp(op: string, what = `'${op}'`): Token {
    if (!this.isOp(op)) this.fail(what);
    return this.next();
  }
  private expectKw(word: string, what = word): Token {
    if (!this.isKw(word)) this.fail(what);
    return this.next();
  }
  private ident(what: string): Token {
    const t = this.peek();
    if (t.type !== 'ident' || EXPR_KEYWORDS.has(t.value.toUpperCase())) this.fail(what);
    return this.next();
  }
  private int(what: string): number {
    const t = this.peek();
    if (t.type !== 'number' || !/^\d+$/.test(t.value)) this.fail(what);
    this.next();
    const n = Number(t.value);
    if (!Number.isSafeInteger(n))
      throw this.src.error(t.start, `${what}: ${t.value} is too large (at most 2^53 − 1)`);
    return n;
  }
  atEnd(): boolean {
    return this.peek().type === 'eof';
  }

  // ---- file and definitions ------------------------------------------------------------------------

  parseFile(): RawDefinition[] {
    const defs: RawDefinition[] = [];
    while (!this.atEnd()) {
      if (this.isOp(';')) {
        this.next();
        continue;
      }
      defs.push(this.definition());
    }
    return defs;
  }

  private clauseAt(): Clause | null {
    const t = this.peek();
    if (t.type !== 'ident') return null;
    const u = t.value.toUpperCase();
    return (CLAUSES as readonly string[]).includes(u) ? (u as Clause) : null;
  }

  private definition(): RawDefinition {
    const first = this.peek();
    const def: RawDefinition = { start: first.start, end: first.end, rule: false, clauses: {} };
    let after = 'the start of a definition';
    for (;;) {
      const t = this.peek();
      if (t.type === 'eof' || this.isOp(';')) break;
      const clause = this.clauseAt();
      if (!clause)
        this.fail(after === 'the start of a definition' ? `a definition (${CLAUSE_LIST})` : `${after}`);
      const started = Object.keys(def.clauses).length > 0;
      if (started && (clause === 'NAME' || clause === 'RULE')) break;
      if (started && clause === 'PATTERN' && (def.clauses.PATTERN !== undefined || def.rule)) break;
      if (def.clauses[clause] !== undefined) {
        throw this.src.error(
          t.start,
          `duplicate ${clause} clause in this definition (start a new definition with NAME or RULE)`,
        );
      }
      def.clauses[clause] = t.start;
      this.next();
      after = this.clause(clause, def);
      def.end = this.toks[this.i - 1].end;
    }
    return def;
  }

  /** Parses one clause after its keyword; returns what may follow it, for the next error message. */
  private clause(clause: Clause, def: RawDefinition): string {
    const more = `the next clause (${CLAUSE_LIST}), ';' or end of file`;
    switch (clause) {
      case 'NAME':
      case 'RULE': {
        const t = this.peek();
        if (t.type === 'string') def.name = this.next().value;
        else def.name = this.ident(`a ${clause === 'RULE' ? 'rule' : 'pattern'} name`).value;
        if (clause === 'RULE') def.rule = true;
        return more;
      }
      case 'SEVERITY': {
        const t = this.next();
        const v = t.value.toLowerCase() as Severity;
        if ((t.type !== 'ident' && t.type !== 'string') || !SEVERITIES.includes(v))
          this.fail('a severity: info, warning or critical', t);
        def.severity = v;
        return more;
      }
      case 'MESSAGE': {
        const t = this.peek();
        if (t.type !== 'string') this.fail("a message template in quotes, e.g. 'user {A.user_id} ...'");
        this.next();
        def.message = parseTemplate(this.src, t);
        return more;
      }
      case 'PARTITION': {
        this.expectKw('BY', 'BY after PARTITION');
        def.partitionPos = this.peek().start;
        def.partitionBy = this.ident('an event field name to partition by, e.g. user_id').value;
        return more;
      }
      case 'PATTERN':
        def.elements = this.sequence();
        return `'->', '=>' or ${more}`;
      case 'WHERE':
        def.where = this.expr();
        return `an operator, AND, OR or ${more}`;
      case 'WITHIN':
        def.withinMs = this.within();
        return more;
      case 'ON':
        if (this.isKw('VIEW')) this.next();
        def.viewPos = this.peek().start;
        def.view = this.viewName();
        return more;
      case 'BASELINE': {
        const pos = this.peek().start;
        const field = this.path();
        this.expectKw('OVER', 'OVER, as in BASELINE page_views OVER 12 WINDOWS');
        const windows = this.int('a number of windows');
        if (windows < 2)
          throw this.src.error(
            this.toks[this.i - 1].start,
            'a baseline needs at least 2 windows to have a standard deviation',
          );
        this.expectKw('WINDOWS', 'WINDOWS');
        def.baseline = { field, windows, pos };
        return more;
      }
      case 'EMIT': {
        const t = this.next();
        const v = t.value.toLowerCase();
        if (t.type !== 'ident' || !['final', 'early', 'all'].includes(v)) this.fail('FINAL, EARLY or ALL', t);
        def.emit = v as EmitFilter;
        return more;
      }
    }
  }

  private viewName(): string {
    const t = this.peek();
    if (t.type === 'string') return this.next().value;
    let name = this.ident('a view name, e.g. realtime').value;
    while (this.isOp('.')) {
      this.next();
      name += '.' + this.ident('a view name part after .').value;
    }
    return name;
  }

  // ---- PATTERN ----------------------------------------------------------------------------------------

  private sequence(): RawElement[] {
    const out: RawElement[] = [this.element(false)];
    while (this.isOp('->') || this.isOp('=>')) {
      const strict = this.next().value === '=>';
      out.push(this.element(strict));
    }
    return out;
  }

  private element(strict: boolean): RawElement {
    const pos = this.peek().start;
    let negated = false;
    if (this.isKw('NOT')) {
      this.next();
      negated = true;
    }
    this.expectOp(
      '(',
      negated ? "'(' after NOT, as in NOT (purchase P)" : "'(' starting an element like (login A)",
    );
    const kindPos = this.peek().start;
    let kinds: string[] | null = [this.kind()];
    while (this.isOp('|')) {
      this.next();
      kinds.push(this.kind());
    }
    if (kinds.length === 1 && kinds[0].toUpperCase() === 'ANY') kinds = null;
    const variable = this.ident('a variable name after the event kind, as in (login A)').value;
    let q = this.quantifier();
    this.expectOp(')', q ? "')'" : "a quantifier (+, *, ?, {n,m}) or ')'");
    const outer = this.quantifier();
    if (q && outer)
      throw this.src.error(this.toks[this.i - 1].start, 'an element takes one quantifier, not two');
    q = q ?? outer;
    if (negated && q)
      throw this.src.error(pos, 'NOT elements take no quantifier: they assert that no such event occurs');
    return { variable, kinds, min: q?.min ?? 1, max: q?.max ?? 1, negated, strict, pos, kindPos };
  }

  private kind(): string {
    const t = this.ident('an event kind, e.g. login, page_view, purchase, custom:NAME or ANY');
    if (t.value === 'custom' && this.isOp(':')) {
      this.next();
      return `custom:${this.ident('a custom event name after custom:').value}`;
    }
    return t.value;
  }

  private quantifier(): { min: number; max: number } | null {
    if (this.isOp('+')) return this.next() && { min: 1, max: Infinity };
    if (this.isOp('*')) return this.next() && { min: 0, max: Infinity };
    if (this.isOp('?')) return this.next() && { min: 0, max: 1 };
    if (!this.isOp('{')) return null;
    const open = this.next();
    const min = this.int('a minimum count in {n,m}');
    let max = min;
    if (this.isOp(',')) {
      this.next();
      max = this.isOp('}') ? Infinity : this.int("a maximum count or '}' in {n,m}");
    }
    this.expectOp('}', "'}' closing the quantifier");
    if (max < min)
      throw this.src.error(open.start, `quantifier {${min},${max}}: the maximum is below the minimum`);
    if (max === 0)
      throw this.src.error(open.start, 'quantifier {0}: an element must be able to take at least one event');
    return { min, max };
  }

  private within(): number {
    const t = this.peek();
    if (t.type !== 'number') this.fail('a duration like 10 MINUTES or 30 SECONDS');
    this.next();
    const u = this.peek();
    const unit = u.type === 'ident' ? DURATION_UNITS[u.value.toUpperCase()] : undefined;
    if (unit === undefined) this.fail('a time unit (MILLISECONDS, SECONDS, MINUTES, HOURS or DAYS)', u);
    this.next();
    const ms = this.milliseconds(
      t,
      u,
      unit,
      MAX_WITHIN_MS,
      'WITHIN is at most 7 DAYS (partial matches and pending NOTs live that long in event time, in memory and in every checkpoint)',
    );
    if (ms === 0) throw this.src.error(t.start, `WITHIN ${t.value} ${u.value}: must be greater than zero`);
    return ms;
  }

  /**
   * `number unit` in milliseconds, computed exactly (0.07 SECONDS is 70 ms, not 70.00000000000001).
   * Milliseconds are the finest unit of event time, so a fraction of one is refused rather than rounded.
   */
  private milliseconds(
    n: Token,
    u: Token,
    unit: number,
    max = Number.MAX_SAFE_INTEGER,
    limit = 'at most 2^53 − 1 milliseconds',
  ): number {
    const [whole, frac = ''] = n.value.split('.');
    const scaled = BigInt(whole + frac) * BigInt(unit);
    const divisor = 10n ** BigInt(frac.length);
    if (scaled % divisor !== 0n)
      throw this.src.error(
        n.start,
        `${n.value} ${u.value} is not a whole number of milliseconds (the finest unit of event time)`,
      );
    const ms = scaled / divisor;
    if (ms > BigInt(max)) throw this.src.error(n.start, `${n.value} ${u.value} is too long: ${limit}`);
    return Number(ms);
  }

  // ---- expressions --------------------------------------------------------------------------------------

  /**
   * Parentheses, NOT, unary minus, function calls and IN lists nest: each is one level of recursion here
   * and in the checker and compiler, so their depth is bounded (a clear error instead of a stack overflow).
   * Chains (`a AND b AND ...`, `1 + 2 + ...`) are loops and may be as long as the file.
   */
  private depth = 0;
  private nest<T>(at: Token, parse: () => T): T {
    if (++this.depth > MAX_NESTING)
      throw this.src.error(
        at.start,
        `expression nested too deeply: more than ${MAX_NESTING} levels of parentheses, NOT, unary minus, function calls or IN lists`,
      );
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  expr(): Expr {
    return this.logical('OR', () => this.and());
  }

  private and(): Expr {
    return this.logical('AND', () => this.not());
  }

  private logical(op: 'AND' | 'OR', operand: () => Expr): Expr {
    const first = operand();
    if (!this.isKw(op)) return first;
    const pos = this.peek().start;
    const args = [first];
    while (this.isKw(op)) {
      this.next();
      args.push(operand());
    }
    return { type: 'logical', op, args, pos };
  }

  private not(): Expr {
    if (this.isKw('NOT')) {
      const t = this.next();
      return { type: 'unary', op: 'NOT', arg: this.nest(t, () => this.not()), pos: t.start };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const left = this.additive();
    const t = this.peek();
    if (t.type === 'op' && COMPARE[t.value]) {
      this.next();
      return { type: 'binary', op: COMPARE[t.value], left, right: this.additive(), pos: t.start };
    }
    if (this.isKw('IS')) {
      this.next();
      const negated = this.isKw('NOT') ? Boolean(this.next()) : false;
      this.expectKw('NULL', 'NULL after IS');
      return { type: 'isnull', arg: left, negated, pos: t.start };
    }
    if (this.isKw('IN') || (this.isKw('NOT') && this.isKw('IN', 1))) {
      const negated = this.isKw('NOT');
      if (negated) this.next();
      this.next();
      this.expectOp('(', "'(' starting the IN list");
      const list = this.nest(t, () => this.list("',' or ')' in the IN list"));
      return { type: 'in', arg: left, list, negated, pos: t.start };
    }
    return left;
  }

  /** Comma-separated expressions up to and including the closing ')'. */
  private list(what: string): Expr[] {
    const out = [this.expr()];
    while (this.isOp(',')) {
      this.next();
      out.push(this.expr());
    }
    this.expectOp(')', what);
    return out;
  }

  private additive(): Expr {
    return this.arith(['+', '-'], () => this.multiplicative());
  }

  private multiplicative(): Expr {
    return this.arith(['*', '/', '%'], () => this.unary());
  }

  private arith(ops: ArithOp[], operand: () => Expr): Expr {
    const first = operand();
    const at = () => {
      const t = this.peek();
      return t.type === 'op' && (ops as string[]).includes(t.value);
    };
    if (!at()) return first;
    const pos = this.peek().start;
    const rest: ArithStep[] = [];
    while (at()) {
      const t = this.next();
      rest.push({ op: t.value as ArithOp, arg: operand(), pos: t.start });
    }
    return { type: 'arith', first, rest, pos };
  }

  private unary(): Expr {
    if (this.isOp('-')) {
      const t = this.next();
      return { type: 'unary', op: '-', arg: this.nest(t, () => this.unary()), pos: t.start };
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.peek();
    const what =
      'a value: a number, a string, a duration, TRUE, FALSE, NULL, VAR.field, a function call or (';
    if (t.type === 'number') {
      this.next();
      const u = this.peek();
      const unit = u.type === 'ident' ? DURATION_UNITS[u.value.toUpperCase()] : undefined;
      if (unit !== undefined) {
        this.next();
        const value = this.milliseconds(t, u, unit);
        return { type: 'literal', value, pos: t.start, text: `${t.value} ${u.value}` };
      }
      const value = Number(t.value);
      // A whole number past 2^53 would silently compare as a different one.
      if (!t.value.includes('.') && !Number.isSafeInteger(value))
        throw this.src.error(t.start, `number ${t.value} is too large to be exact (at most 2^53 − 1)`);
      return { type: 'literal', value, pos: t.start, text: t.value };
    }
    if (t.type === 'string') {
      this.next();
      return { type: 'literal', value: t.value, pos: t.start, text: `'${t.value}'` };
    }
    if (t.type === 'op' && t.value === '(') {
      this.next();
      return this.nest(t, () => {
        const e = this.expr();
        this.expectOp(')', "')' closing the parenthesis");
        return e;
      });
    }
    if (t.type === 'ident') {
      const u = t.value.toUpperCase();
      if (u === 'TRUE' || u === 'FALSE' || u === 'NULL') {
        this.next();
        return { type: 'literal', value: u === 'NULL' ? null : u === 'TRUE', pos: t.start, text: u };
      }
      // A clause keyword cannot start a value: `WHERE A.x = WITHIN ...` is a missing operand.
      if (
        EXPR_KEYWORDS.has(u) ||
        ((CLAUSES as readonly string[]).includes(u) && !this.isOp('.', 1) && !this.isOp('(', 1))
      )
        this.fail(what);
      if (this.isOp('(', 1)) {
        this.next();
        this.next();
        const what = "',' or ')' closing the function call";
        let args: Expr[] = [];
        if (this.isOp(')')) this.next();
        else args = this.nest(t, () => this.list(what));
        return { type: 'call', name: t.value.toLowerCase(), args, pos: t.start };
      }
      return { type: 'path', parts: this.path(), pos: t.start };
    }
    this.fail(what);
  }

  private path(): string[] {
    const parts = [this.ident('a field name').value];
    while (this.isOp('.')) {
      this.next();
      parts.push(this.ident('a field name after the dot').value);
    }
    return parts;
  }
}

/**
 * A message template: text with `{expression}` placeholders (`{{` and `}}` for literal braces). The
 * placeholders are parsed from the raw source so that an error points at the right column.
 */
export function parseTemplate(src: Source, tok: Token): Template {
  const raw = src.text.slice(tok.start + 1, tok.end - 1);
  const base = tok.start + 1;
  const parts: (string | Expr)[] = [];
  let lit = '';
  let i = 0;
  const unescape = (s: string) =>
    s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
  while (i < raw.length) {
    const c = raw[i];
    if (c === '\\' && i + 1 < raw.length) {
      lit += raw.slice(i, i + 2);
      i += 2;
    } else if (c === '{' && raw[i + 1] === '{') {
      lit += '{';
      i += 2;
    } else if (c === '}' && raw[i + 1] === '}') {
      lit += '}';
      i += 2;
    } else if (c === '{') {
      let j = i + 1;
      let quote: string | null = null;
      while (j < raw.length && (quote || raw[j] !== '}')) {
        if (quote && raw[j] === quote) quote = null;
        else if (!quote && (raw[j] === "'" || raw[j] === '"')) quote = raw[j];
        j++;
      }
      if (j >= raw.length) throw src.error(base + i, "unclosed placeholder: expected '}'");
      if (lit) parts.push(unescape(lit));
      lit = '';
      const p = new Parser(src, base + i + 1, base + j);
      if (p.atEnd())
        throw src.error(base + i, 'empty placeholder: expected an expression such as {A.user_id}');
      const e = p.expr();
      if (!p.atEnd()) p.fail("an operator or '}' ending the placeholder");
      parts.push(e);
      i = j + 1;
    } else if (c === '}') {
      throw src.error(base + i, "unmatched '}' in message (write }} for a literal brace)");
    } else {
      lit += c;
      i++;
    }
  }
  if (lit) parts.push(unescape(lit));
  return { text: tok.value, parts };
}

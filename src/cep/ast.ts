import type { Severity } from '../events/results.js';

/** Expressions of WHERE clauses, RULE conditions and message placeholders. `pos` is a source offset. */
export type Expr =
  | { type: 'literal'; value: number | string | boolean | null; pos: number; text: string }
  | { type: 'path'; parts: string[]; pos: number }
  | { type: 'unary'; op: '-' | 'NOT'; arg: Expr; pos: number }
  | { type: 'binary'; op: CompareOp; left: Expr; right: Expr; pos: number }
  // Chains are lists, not nested binary nodes: `a AND b AND ...` with thousands of terms stays two levels
  // deep, so checking, compiling and printing it need no stack depth proportional to its length.
  | { type: 'logical'; op: 'AND' | 'OR'; args: Expr[]; pos: number }
  | { type: 'arith'; first: Expr; rest: ArithStep[]; pos: number }
  | { type: 'in'; arg: Expr; list: Expr[]; negated: boolean; pos: number }
  | { type: 'isnull'; arg: Expr; negated: boolean; pos: number }
  | { type: 'call'; name: string; args: Expr[]; pos: number };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type ArithOp = '+' | '-' | '*' | '/' | '%';
/** One `op operand` of an arithmetic chain, applied left to right (`pos` is the operator's offset). */
export interface ArithStep {
  op: ArithOp;
  arg: Expr;
  pos: number;
}

/** A message template: literal text and `{expression}` placeholders. */
export interface Template {
  text: string;
  parts: (string | Expr)[];
}

/** One element of a sequence: `(kind VAR)` with a quantifier, or `NOT (kind VAR)`. */
export interface ElementDef {
  variable: string;
  /** Event kinds (eventKind names) it accepts; null = ANY. */
  kinds: string[] | null;
  min: number;
  /** Infinity for unbounded (`+`, `*`, `{n,}`). */
  max: number;
  negated: boolean;
  /**
   * Contiguity of the connector written before this element: `=>` strict (the element's first event must
   * immediately follow the previous bound event of the key), `->` relaxed. It also applies between the
   * iterations of a quantified element. Always false for the first element.
   */
  strict: boolean;
  /** Conjuncts of WHERE checked on each event this element takes (its own fields and earlier variables). */
  condition: Expr | null;
}

interface DefinitionBase {
  name: string;
  severity: Severity;
  message: Template;
  file: string;
  line: number;
  /** The definition's text as written, for `rtap patterns check`. */
  text: string;
}

export interface SequencePattern extends DefinitionBase {
  kind: 'sequence';
  /** Event field whose value is the partition key (default user_id); events where it is null are skipped. */
  partitionBy: string;
  elements: ElementDef[];
  /** The WHERE clause as written (for display); its conjuncts are distributed to elements and `filter`. */
  where: Expr | null;
  /** Conjuncts using aggregates (count, distinct, sum, ...) or elapsed(): checked on the complete match. */
  filter: Expr | null;
  withinMs: number;
}

export type EmitFilter = 'final' | 'early' | 'all';

export interface ThresholdRule extends DefinitionBase {
  kind: 'rule';
  /** Engine view whose results the rule reads (`realtime`, `kpis`, ...). */
  view: string;
  /** Rolling baseline of one field over the previous N windows of the same view and key. */
  baseline: { field: string[]; windows: number } | null;
  condition: Expr;
  emit: EmitFilter;
}

export type PatternDefinition = SequencePattern | ThresholdRule;

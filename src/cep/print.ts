import type { Expr } from './ast.js';

/** Expressions as text, with the parentheses their grouping needs (`rtap patterns check`, error messages). */

const PREC: Record<string, number> = {
  OR: 1,
  AND: 2,
  '=': 4,
  '!=': 4,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
  '+': 5,
  '-': 5,
  '*': 6,
  '/': 6,
  '%': 6,
};

export function printExpr(e: Expr, parent = 0): string {
  const wrap = (s: string, p: number) => (p < parent ? `(${s})` : s);
  switch (e.type) {
    case 'literal':
      return e.text;
    case 'path':
      return e.parts.join('.');
    case 'call':
      return `${e.name}(${e.args.map((a) => printExpr(a)).join(', ')})`;
    case 'unary':
      return e.op === 'NOT' ? wrap(`NOT ${printExpr(e.arg, 3)}`, 3) : `-${printExpr(e.arg, 7)}`;
    case 'isnull':
      return wrap(`${printExpr(e.arg, 5)} IS ${e.negated ? 'NOT ' : ''}NULL`, 4);
    case 'in':
      return wrap(
        `${printExpr(e.arg, 5)} ${e.negated ? 'NOT ' : ''}IN (${e.list.map((x) => printExpr(x)).join(', ')})`,
        4,
      );
    case 'binary': {
      const p = PREC[e.op];
      return wrap(`${printExpr(e.left, p)} ${e.op} ${printExpr(e.right, p + 1)}`, p);
    }
    case 'logical': {
      const p = PREC[e.op];
      return wrap(e.args.map((a) => printExpr(a, p + 1)).join(` ${e.op} `), p);
    }
    case 'arith': {
      const p = PREC[e.rest[0].op];
      const rest = e.rest.map((s) => ` ${s.op} ${printExpr(s.arg, p + 1)}`);
      return wrap(printExpr(e.first, p) + rest.join(''), p);
    }
  }
}

/** An expression for an error message: cut to `max` characters (a generated one can be huge). */
export function quoteExpr(e: Expr, max = 40): string {
  const s = printExpr(e);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

import type { AnalyticsEvent } from '../events/types.js';
import type { Expr, Template } from './ast.js';

/**
 * Compiles checked expressions into closures (evaluated once per candidate event on the hot path, so no
 * tree walking at run time). Semantics, documented in docs/patterns.md: comparisons with NULL are false,
 * arithmetic with NULL is NULL, division by zero is NULL, `+` of strings concatenates, and a condition
 * holds only when it evaluates to TRUE. Numbers are IEEE doubles: ±∞ (a z-score over a flat baseline) is
 * a number like any other, and a result that is not a number (∞ − ∞, 0 × ∞) is NULL.
 */

export type Value = unknown;
export type Fn<Env> = (env: Env) => Value;

/** What a pattern expression sees: the events bound so far per element and the candidate event. */
export interface MatchEnv {
  bound: AnalyticsEvent[][];
  /** The event being tested for the element that owns the condition; null on the complete match. */
  cur: AnalyticsEvent | null;
  key: string;
}

/** What a rule expression sees. */
export interface RuleEnv {
  fields: Record<string, unknown>;
  top: Record<string, unknown>;
  /** BASELINE values (value, mean, stddev, zscore, samples) when the rule has one. */
  baseline: Record<string, number | null> | null;
  key: string;
  /** Called with a dotted path that the result does not have, so the caller can warn. */
  missing(path: string): void;
}

export function fieldOf(e: AnalyticsEvent, parts: string[], from = 1): Value {
  let v: unknown = (e as unknown as Record<string, unknown>)[parts[from]];
  if (v === undefined && e.event_type === 'custom') v = e.properties[parts[from]];
  for (let i = from + 1; i < parts.length && v !== undefined && v !== null; i++)
    v = (v as Record<string, unknown>)[parts[i]];
  return v === undefined ? null : v;
}

function isNull(v: Value): boolean {
  return v === null || v === undefined;
}

function compare(op: string, a: Value, b: Value): boolean {
  if (isNull(a) || isNull(b)) return false;
  if (op === '=') return a === b;
  if (op === '!=') return a !== b;
  if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')))
    return false;
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

/** NaN never escapes an operation: it is NULL, so it cannot compare or print as a number. */
const defined = (n: number): number | null => (Number.isNaN(n) ? null : n);

function arith(op: string, a: Value, b: Value): Value {
  if (isNull(a) || isNull(b)) return null;
  if (op === '+' && (typeof a === 'string' || typeof b === 'string'))
    return renderValue(a, false) + renderValue(b, false);
  if (typeof a !== 'number' || typeof b !== 'number') return null;
  switch (op) {
    case '+':
      return defined(a + b);
    case '-':
      return defined(a - b);
    case '*':
      return defined(a * b);
    case '/':
      return b === 0 ? null : defined(a / b);
    default:
      return b === 0 ? null : defined(a % b);
  }
}

const num = (v: Value): number | null => (typeof v === 'number' && !Number.isNaN(v) ? v : null);

/** ±∞ as messages print it. */
const infinity = (n: number) => (n > 0 ? '∞' : '-∞');

/** `4m 30s`: to the second for messages; `exact` keeps the milliseconds (`1s 500ms`, for WITHIN). */
export function formatDuration(ms: number, exact = false): string {
  if (!Number.isFinite(ms)) return infinity(ms);
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (exact && ms % 1000 !== 0) return `${formatDuration(ms - (ms % 1000))} ${ms % 1000}ms`;
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ];
  const out: string[] = [];
  let rest = Math.round(ms / 1000) * 1000;
  for (const [size, name] of units) {
    if (rest >= size) {
      out.push(`${Math.floor(rest / size)}${name}`);
      rest %= size;
    }
  }
  return out.join(' ');
}

/**
 * How a value prints in a message: numbers rounded to 3 decimals (unless `round` is false, for `+` of a
 * string and a number, which keeps every digit), ±∞ as ∞ and -∞, NULL as '-'.
 */
export function renderValue(v: Value, round = true): string {
  if (isNull(v)) return '-';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return infinity(v);
    return Number.isInteger(v) || !round ? String(v) : String(Math.round(v * 1000) / 1000);
  }
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

interface Context<Env> {
  path(parts: string[]): Fn<Env>;
  aggregate(name: string, arg: Extract<Expr, { type: 'path' }>): Fn<Env>;
  key: Fn<Env>;
  elapsed: Fn<Env>;
}

function compileWith<Env>(e: Expr, ctx: Context<Env>): Fn<Env> {
  const c = (x: Expr) => compileWith(x, ctx);
  switch (e.type) {
    case 'literal': {
      const v = e.value;
      return () => v;
    }
    case 'path':
      return ctx.path(e.parts);
    case 'unary': {
      const a = c(e.arg);
      if (e.op === '-')
        return (env) => {
          const v = a(env);
          return typeof v === 'number' ? -v : null;
        };
      return (env) => {
        const v = a(env);
        return v === true ? false : v === false ? true : null;
      };
    }
    case 'isnull': {
      const a = c(e.arg);
      return e.negated ? (env) => !isNull(a(env)) : (env) => isNull(a(env));
    }
    case 'in': {
      const a = c(e.arg);
      const list = e.list.map(c);
      return (env) => {
        const v = a(env);
        const hit = !isNull(v) && list.some((f) => f(env) === v);
        return e.negated ? !isNull(v) && !hit : hit;
      };
    }
    case 'binary': {
      const l = c(e.left);
      const r = c(e.right);
      const op = e.op;
      return (env) => compare(op, l(env), r(env));
    }
    case 'logical': {
      const fs = e.args.map(c);
      // Two operands (the common case) without a loop: conditions run once per candidate event.
      if (fs.length === 2) {
        const [l, r] = fs;
        return e.op === 'AND'
          ? (env) => l(env) === true && r(env) === true
          : (env) => l(env) === true || r(env) === true;
      }
      const and = e.op === 'AND';
      return (env) => {
        for (const f of fs) if ((f(env) === true) !== and) return !and;
        return and;
      };
    }
    case 'arith': {
      const first = c(e.first);
      const steps = e.rest.map((s) => ({ op: s.op, f: c(s.arg) }));
      if (steps.length === 1) {
        const [{ op, f }] = steps;
        return (env) => arith(op, first(env), f(env));
      }
      return (env) => {
        let v = first(env);
        for (const s of steps) v = arith(s.op, v, s.f(env));
        return v;
      };
    }
    case 'call': {
      if (e.name === 'key') return ctx.key;
      if (e.name === 'elapsed') return ctx.elapsed;
      if (['count', 'distinct', 'sum', 'min', 'max', 'avg', 'first', 'last'].includes(e.name)) {
        return ctx.aggregate(e.name, e.args[0] as Extract<Expr, { type: 'path' }>);
      }
      const args = e.args.map(c);
      const [a, b] = args;
      switch (e.name) {
        case 'abs':
          return (env) => {
            const v = num(a(env));
            return v === null ? null : Math.abs(v);
          };
        case 'floor':
        case 'ceil': {
          const f = e.name === 'floor' ? Math.floor : Math.ceil;
          return (env) => {
            const v = num(a(env));
            return v === null ? null : f(v);
          };
        }
        case 'round':
          return (env) => {
            const v = num(a(env));
            const d = b ? (num(b(env)) ?? 0) : 0;
            // ±∞ rounds to itself; digits so large that the scale overflows give NaN, i.e. NULL.
            return v === null || !Number.isFinite(v) ? v : defined(Math.round(v * 10 ** d) / 10 ** d);
          };
        case 'lower':
        case 'upper':
          return (env) => {
            const v = a(env);
            return typeof v === 'string' ? (e.name === 'lower' ? v.toLowerCase() : v.toUpperCase()) : null;
          };
        case 'coalesce':
          return (env) => {
            for (const f of args) {
              const v = f(env);
              if (!isNull(v)) return v;
            }
            return null;
          };
        case 'fmt_duration':
          return (env) => {
            const v = num(a(env));
            return v === null ? null : formatDuration(v);
          };
        case 'pct':
          return (env) => {
            const v = num(a(env));
            return v === null ? null : `${Number.isFinite(v) ? (v * 100).toFixed(1) : infinity(v)}%`;
          };
      }
      throw new Error(`internal: unchecked function ${e.name}`);
    }
  }
}

/**
 * A pattern expression for element `self` (-1 on the complete match): `V.field` reads the candidate event
 * when V is `self`, and otherwise the last event bound to V (NULL if V has bound none).
 */
export function compilePatternExpr(e: Expr, index: Map<string, number>, self: number): Fn<MatchEnv> {
  return compileWith<MatchEnv>(e, {
    path(parts) {
      const i = index.get(parts[0])!;
      if (i === self) return (env) => fieldOf(env.cur!, parts);
      return (env) => {
        const evs = env.bound[i];
        return evs.length ? fieldOf(evs[evs.length - 1], parts) : null;
      };
    },
    aggregate(name, arg) {
      const i = index.get(arg.parts[0])!;
      if (name === 'count') return (env) => env.bound[i].length;
      const values = (env: MatchEnv) =>
        env.bound[i].map((ev) => fieldOf(ev, arg.parts)).filter((v) => !isNull(v));
      switch (name) {
        case 'distinct':
          return (env) => new Set(values(env)).size;
        case 'first':
          return (env) => (env.bound[i].length ? fieldOf(env.bound[i][0], arg.parts) : null);
        case 'last':
          return (env) =>
            env.bound[i].length ? fieldOf(env.bound[i][env.bound[i].length - 1], arg.parts) : null;
      }
      return (env) => {
        const ns = values(env).filter((v): v is number => typeof v === 'number');
        if (name === 'sum') return ns.reduce((s, v) => s + v, 0);
        if (!ns.length) return null;
        if (name === 'avg') return ns.reduce((s, v) => s + v, 0) / ns.length;
        return name === 'min' ? Math.min(...ns) : Math.max(...ns);
      };
    },
    key: (env) => env.key,
    elapsed: (env) => {
      let lo = Infinity;
      let hi = -Infinity;
      for (const evs of env.bound)
        for (const ev of evs) {
          lo = Math.min(lo, ev.event_time);
          hi = Math.max(hi, ev.event_time);
        }
      return hi >= lo ? hi - lo : null;
    },
  });
}

const TOP_LEVEL = new Set([
  'view',
  'key',
  'window_start',
  'window_end',
  'emit',
  'emitted_at',
  'watermark',
  'event_count',
  'last_intended_send_time',
]);

/** A rule expression: names resolve to BASELINE values, then the result's fields, then its top-level properties. */
export function compileRuleExpr(e: Expr): Fn<RuleEnv> {
  return compileWith<RuleEnv>(e, {
    path(parts) {
      const dotted = parts.join('.');
      return (env) => {
        if (env.baseline && parts.length === 1 && parts[0] in env.baseline) return env.baseline[parts[0]];
        let v: unknown = env.fields;
        for (const p of parts)
          v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
        if (v === undefined && parts.length === 1 && TOP_LEVEL.has(parts[0])) v = env.top[parts[0]];
        if (v === undefined) {
          env.missing(dotted);
          return null;
        }
        return v;
      };
    },
    aggregate() {
      throw new Error('internal: aggregate in a rule');
    },
    key: (env) => env.key,
    elapsed: () => null,
  });
}

export function compileTemplate<Env>(t: Template, compile: (e: Expr) => Fn<Env>): (env: Env) => string {
  const parts = t.parts.map((p) => (typeof p === 'string' ? p : compile(p)));
  return (env) => parts.map((p) => (typeof p === 'string' ? p : renderValue(p(env)))).join('');
}

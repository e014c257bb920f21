import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CepSyntaxError, parsePatterns } from '../../src/cep/index.js';
import { conversion, harness } from './helpers.js';

function error(text: string): CepSyntaxError {
  try {
    parsePatterns(text, 'f.cep');
  } catch (e) {
    assert.ok(e instanceof CepSyntaxError, String(e));
    return e;
  }
  assert.fail('expected a syntax error');
}

/** The documented nesting limit (docs/patterns.md, "Limits"). */
const MAX_NESTING = 100;

/** 1-based column of the n-th (1-based) occurrence of `needle` in `text` after offset `from`. */
function columnOf(text: string, needle: string, n: number, from: number): number {
  let at = from - 1;
  for (let i = 0; i < n; i++) at = text.indexOf(needle, at + 1);
  return at + 1;
}

test('deep nesting is refused at the first level too many, with file:line:column and exit code 2', () => {
  const deep = 2500;
  const cases: [string, string, string][] = [
    ['parentheses', `${'('.repeat(deep)}A.revenue > 1${')'.repeat(deep)}`, '('],
    ['NOT', `${'NOT '.repeat(deep)}A.revenue > 1`, 'NOT'],
    ['unary minus', `A.revenue > ${'- '.repeat(deep)}1`, '-'],
    ['function calls', `A.revenue > ${'abs('.repeat(deep)}1${')'.repeat(deep)}`, 'abs('],
    ['IN lists', `A.revenue IN (${'abs('.repeat(deep)}1${')'.repeat(deep)})`, 'abs('],
  ];
  for (const [what, cond, token] of cases) {
    const line = `PATTERN (purchase A) WHERE ${cond}`;
    const e = error(`NAME deep\n${line}\nWITHIN 1 MINUTE`);
    assert.equal(e.exitCode, 2, what);
    assert.equal(e.line, 2, what);
    // IN opens one level itself, so its list reaches the limit one call earlier.
    const n = what === 'IN lists' ? MAX_NESTING : MAX_NESTING + 1;
    assert.equal(e.column, columnOf(line, token, n, line.indexOf('WHERE')), what);
    assert.match(e.message, /^f\.cep:2:\d+: expression nested too deeply: more than 100 levels/, what);
    // The caret line shows a window around the column, not the whole (huge) line.
    assert.ok(e.message.split('\n')[1].length < 200, what);
  }
});

test('nesting up to the limit parses and evaluates', () => {
  const cond = `${'('.repeat(MAX_NESTING)}A.revenue > 5${')'.repeat(MAX_NESTING)}`;
  const h = harness(`NAME n PATTERN (purchase A) WHERE ${cond} WITHIN 1 MINUTE`);
  const a = conversion('purchase', 'u', 1000, { revenue: 6, event_id: 'big' });
  const b = conversion('purchase', 'u', 2000, { revenue: 5, event_id: 'small' });
  assert.deepEqual(h.run([a, b]), ['A:big']);
});

test('chains of 5,000 terms (AND, OR, +) parse, check, compile and evaluate without deep recursion', () => {
  const n = 5000;
  // Every event's revenue r: the AND chain holds iff r ∉ {1..n}; the OR chain iff r ∈ {1..n} and r even;
  // the sum chain is n·1 + r.
  const and = Array.from({ length: n }, (_, i) => `A.revenue != ${i + 1}`).join(' AND ');
  const or = Array.from({ length: n / 2 }, (_, i) => `B.revenue = ${2 * (i + 1)}`).join(' OR ');
  const sum = Array.from({ length: n }, () => '1').join(' + ');
  const h = harness(
    `NAME chains PATTERN (purchase A) -> (add_to_cart B) -> (checkout C)
     WHERE ${and} AND (${or}) AND C.revenue + ${sum} = ${n} + 7 WITHIN 1 MINUTE`,
  );
  const revenues = { A: [3, n + 1], B: [7, 8], C: [6, 7] } as const;
  const events = [
    conversion('purchase', 'u', 1000, { revenue: revenues.A[0], event_id: 'a0' }),
    conversion('purchase', 'u', 2000, { revenue: revenues.A[1], event_id: 'a1' }),
    conversion('add_to_cart', 'u', 3000, { revenue: revenues.B[0], event_id: 'b0' }),
    conversion('add_to_cart', 'u', 4000, { revenue: revenues.B[1], event_id: 'b1' }),
    conversion('checkout', 'u', 5000, { revenue: revenues.C[0], event_id: 'c0' }),
    conversion('checkout', 'u', 6000, { revenue: revenues.C[1], event_id: 'c1' }),
  ];
  assert.deepEqual(h.run(events), ['A:a1 B:b1 C:c1']);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePatterns } from '../../src/cep/index.js';
import { conversion, harness, loadError as error, session } from './helpers.js';

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

test('durations are whole milliseconds, computed exactly; WITHIN is at most 7 days; numbers stay exact', () => {
  const within = (d: string) => `NAME w PATTERN (login A) WITHIN ${d}`;
  const cases: [string, string, RegExp][] = [
    [within('1000000000000000000000000000000 DAYS'), '1000', /DAYS is too long: WITHIN is at most 7 DAYS/],
    [within('8 DAYS'), '8', /8 DAYS is too long: WITHIN is at most 7 DAYS/],
    [within('604800001 MS'), '604800001', /too long: WITHIN is at most 7 DAYS/],
    [within('0.5 MS'), '0.5', /0\.5 MS is not a whole number of milliseconds/],
    [within('0.0001 SECONDS'), '0.0001', /not a whole number of milliseconds/],
    [within('0 MINUTES'), '0', /WITHIN 0 MINUTES: must be greater than zero/],
    [
      `PATTERN (session_timeout C) WHERE C.idle_time > 0.5 MS WITHIN 1 MINUTE`,
      '0.5',
      /0\.5 MS is not a whole number of milliseconds/,
    ],
    [
      `PATTERN (session_timeout C) WHERE C.idle_time > 999999999 DAYS WITHIN 1 MINUTE`,
      '999',
      /999999999 DAYS is too long: at most 2\^53 − 1 milliseconds/,
    ],
    [
      `PATTERN (session_timeout C) WHERE C.idle_time > 9007199254740993 WITHIN 1 MINUTE`,
      '9007',
      /number 9007199254740993 is too large to be exact/,
    ],
    [`PATTERN (purchase P){99999999999999999999} WITHIN 1 MINUTE`, '9999', /is too large/],
    [
      `RULE r ON realtime BASELINE events OVER 99999999999999999999 WINDOWS WHERE zscore > 3`,
      '9999',
      /too large/,
    ],
  ];
  for (const [text, at, re] of cases) {
    const e = error(text);
    assert.match(e.message, re, text);
    assert.deepEqual([e.line, e.column, e.exitCode], [1, text.indexOf(at) + 1, 2], `${text}\n${e.message}`);
  }
  const ms = (d: string) => {
    const [def] = parsePatterns(within(d));
    assert.ok(def.kind === 'sequence');
    return def.withinMs;
  };
  assert.equal(ms('7 DAYS'), 7 * 24 * 3600 * 1000);
  assert.equal(ms('1.001 SECONDS'), 1001); // 1.001 * 1000 is 1000.9999999999999 in floating point
  assert.equal(ms('1.5 MINUTES'), 90_000);
  assert.equal(ms('2.25 HOURS'), 8_100_000);
});

test('a fractional duration literal that is whole milliseconds compares exactly', () => {
  // 1.001 SECONDS must be 1001 ms: an idle time of 1001 ms is not greater, 1002 ms is.
  const h = harness(
    `NAME idle PATTERN (session_timeout C) WHERE C.idle_time > 1.001 SECONDS WITHIN 1 MINUTE`,
  );
  const idle = (ms: number, id: string) => ({ ...session('timeout', 'u', 1000 + ms, ms), event_id: id });
  assert.deepEqual(h.run([idle(1001, 'at'), idle(1002, 'over')]), ['C:over']);
});

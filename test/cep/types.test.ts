import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CepSyntaxError, parsePatterns } from '../../src/cep/index.js';
import type { AnalyticsEvent } from '../../src/events/types.js';
import { validateEvent } from '../../src/events/validate.js';
import { conversion, harness, login, loadError as error, pageView, session, viewProduct } from './helpers.js';

const pattern = (where: string) =>
  `NAME t\nPATTERN (login A) -> (purchase B)\nWHERE ${where}\nWITHIN 10 MINUTES`;
/** 1-based column of `at` in the WHERE line. */
const col = (where: string, at: string) => 'WHERE '.length + where.indexOf(at) + 1;

test('operations that can never hold are type errors at their position (exit code 2)', () => {
  const cases: [string, string, RegExp][] = [
    // The three from issue 18.
    [
      'A.user_type > 5',
      '>',
      /> compares numbers with numbers or strings with strings, but A\.user_type is a string .* and 5 is a number/,
    ],
    ["B.revenue = 'abc'", '=', /B\.revenue is a number and 'abc' is a string: they are never equal/],
    ['B.revenue AND 1', 'B.revenue', /a condition must be TRUE or FALSE, but B\.revenue is a number/],
    ["B.revenue > 1 AND 'x'", "'x'", /a condition must be TRUE or FALSE, but 'x' is a string/],
    [
      "(B.revenue > 1 OR B.revenue) AND A.country = 'x'",
      'B.revenue)',
      /OR needs a condition .* but B\.revenue is a number/,
    ],
    // Enumerations hold only the values validation accepts.
    ["A.user_type = 'vip'", '=', /A\.user_type is never 'vip': it is one of 'premium', 'regular', 'new'/],
    ["A.action != 'login'", '!=', /A\.action is never 'login'.*did you mean 'LOGIN'\?.*always TRUE/],
    ["A.user_type IN ('premium', 'vipp')", "'vipp'", /never 'vipp'/],
    ["A.event_type = 'order'", '=', /A\.event_type is never 'order': it is always 'user_event'/],
    ['A.user_type = B.device', '=', /are never equal/],
    ['B.revenue = NULL', '=', /comparison with NULL is never TRUE: write B\.revenue IS NULL/],
    ['B.revenue != NULL', '!=', /write B\.revenue IS NOT NULL/],
    ['B.revenue IN (1, NULL)', 'NULL', /NULL in an IN list never matches/],
    [
      'B.revenue + TRUE > 1',
      '+',
      /\+ adds numbers or joins strings, but B\.revenue is a number and TRUE is a boolean/,
    ],
    ["B.revenue * 'x' > 1", '*', /\* needs numbers, but 'x' is a string/],
    ['B.revenue - NULL > 1', '-', /arithmetic with NULL is always NULL/],
    ['-A.user_id > 1', '-', /unary minus needs a number, but A\.user_id is a string/],
    ['NOT B.revenue', 'NOT', /NOT needs a condition/],
    ['abs(A.country) > 1', 'A.country', /abs\(\) needs a number, but A\.country is a string/],
    ['round(B.revenue, B.currency) > 1', 'B.currency', /round\(\) needs a number/],
    ['sum(B.currency) > 1', 'B.currency', /sum\(\) needs a number, but B\.currency is a string/],
    ["lower(A.action) = 'LOGIN'", '=', /never 'LOGIN': it is one of 'login', 'logout', 'signup'/],
    ["A.user_id.foo = 'x'", 'A.user_id', /A\.user_id is a string: it has no field 'foo'/],
    ["fmt_duration(A.country) = 'x'", 'A.country', /fmt_duration\(\) needs a number/],
  ];
  for (const [where, at, re] of cases) {
    const e = error(pattern(where));
    assert.match(e.message, re, where);
    assert.deepEqual([e.line, e.column, e.exitCode], [3, col(where, at), 2], `${where}\n${e.message}`);
  }
});

test('message placeholders and rule conditions are type-checked too', () => {
  let e = error(`NAME t MESSAGE 'x {A.user_type * 2}' PATTERN (login A) WITHIN 1 MINUTE`);
  assert.match(e.message, /\* needs numbers, but A\.user_type is a string/);
  e = error(`RULE r ON realtime BASELINE events OVER 5 WINDOWS WHERE zscore = 'high'`);
  assert.match(e.message, /zscore is a number and 'high' is a string/);
  e = error(`RULE r ON realtime WHERE events > 1 AND 2`);
  assert.match(e.message, /AND needs a condition \(TRUE\/FALSE\) on each side, but 2 is a number/);
});

test('what can hold is accepted: unions (ANY, custom properties), concatenation, numbers and durations', () => {
  const ok = [
    pattern(`A.user_type = 'premium' AND B.revenue > 3 * 2 AND B.revenue != A.event_time`),
    pattern(`A.user_type IN ('premium', 'new') AND B.currency IS NOT NULL AND lower(A.action) = 'login'`),
    pattern(`upper(B.currency) = 'EUR' OR B.revenue + 1 >= 2 AND NOT (B.product_id = 'p1')`),
    pattern(`A.user_id + '-' + B.revenue = 'u-1' AND coalesce(B.product_id, 'none') != 'x'`),
    `PATTERN (session_start A) -> (session_timeout C) WHERE C.idle_time > 5 MINUTES WITHIN 15 MINUTES`,
    // ANY may bind a custom event, whose properties are strings, or a product view, whose price is a number.
    `PATTERN (login A) -> (ANY X) WHERE X.price > 10 OR X.price = 'free' WITHIN 1 MINUTE`,
    `PATTERN (custom:video_play V) WHERE V.properties.title = 'x' AND V.seconds = '30' WITHIN 1 MINUTE`,
    `RULE r ON kpis WHERE funnel.view_to_purchase < 0.5 AND top.name = 'x'`,
    `RULE r ON realtime BASELINE events OVER 5 WINDOWS WHERE abs(zscore) > 3 AND samples >= 3`,
  ];
  for (const text of ok) assert.doesNotThrow(() => parsePatterns(text), text);
});

test("a custom event's properties are strings: comparing one with a number is refused", () => {
  const e = error(`PATTERN (custom:video_play V) WHERE V.seconds > 30 WITHIN 1 MINUTE`);
  assert.match(e.message, /V\.seconds is a string and 30 is a number/);
});

test('the field catalogue agrees with event validation: each enumeration value is valid, others are not', () => {
  // The enumerations of the event model (src/events/types.ts), written out here: [kind, sample, field, values].
  const enums: [string, AnalyticsEvent, string, string[]][] = [
    ['page_view', pageView('u', 1), 'user_type', ['premium', 'regular', 'new']],
    ['view_product', viewProduct('u', 1), 'device', ['desktop', 'mobile', 'tablet']],
    ['session_start', session('start', 'u', 1), 'action', ['start', 'end', 'timeout']],
    ['login', login('u', 1), 'action', ['LOGIN', 'LOGOUT', 'SIGNUP']],
    [
      'purchase',
      conversion('purchase', 'u', 1),
      'conversion_type',
      ['signup', 'add_to_cart', 'checkout', 'purchase'],
    ],
  ];
  for (const [kind, ev, field, values] of enums) {
    const where = (v: string) => `PATTERN (${kind} X) WHERE X.${field} = '${v}' WITHIN 1 MINUTE`;
    for (const v of values) {
      assert.doesNotThrow(() => validateEvent({ ...ev, [field]: v }), `${field}=${v}`);
      assert.doesNotThrow(() => parsePatterns(where(v)), `${kind} ${field}=${v}`);
    }
    assert.throws(() => validateEvent({ ...ev, [field]: 'other' }), `${field}=other`);
    assert.throws(() => parsePatterns(where('other')), CepSyntaxError);
  }
});

test('a type-correct condition still evaluates as before (sanity: the checker changes no semantics)', () => {
  const h = harness(pattern(`A.user_type = 'premium' AND B.revenue > 2 * 10`));
  const events = [
    login('u', 1000, 'premium'),
    conversion('purchase', 'u', 2000, { revenue: 15, event_id: 'cheap' }),
    conversion('purchase', 'u', 3000, { revenue: 25, event_id: 'dear' }),
  ];
  assert.deepEqual(
    h.run(events).map((m) => m.split(' ')[1]),
    ['B:dear'],
  );
});

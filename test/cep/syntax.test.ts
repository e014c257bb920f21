import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPatternFiles, defaultPatternDir, parsePatterns, printExpr } from '../../src/cep/index.js';
import { defaultEngineConfig, resolveEngineConfig } from '../../src/engine/config.js';
import { buildViews } from '../../src/engine/views/index.js';
import { loadError as error } from './helpers.js';

test('a syntax error names file, line and column, shows the line with a caret and what was expected', () => {
  const e = error(`NAME x\nPATTERN (login A) (view_product B)\nWITHIN 1 MINUTE`);
  assert.equal(e.line, 2);
  assert.equal(e.column, 19);
  const lines = e.message.split('\n');
  assert.match(lines[0], /^f\.cep:2:19: expected '->', '=>' or the next clause .* found '\('/);
  assert.equal(lines[1], '  2 | PATTERN (login A) (view_product B)');
  assert.equal(lines[2], '    |                   ^');
});

test('errors for each kind of mistake point at the right place', () => {
  const cases: [string, number, number, RegExp][] = [
    [`PATTERN (logn A) WITHIN 1 MINUTE`, 1, 10, /unknown event kind 'logn'/],
    [
      `PATTERN (login A) -> (page_view B)\n  WHERE B.depth = 1 WITHIN 1 MINUTE`,
      2,
      9,
      /unknown field 'depth' for page_view events: expected one of .*page_depth/,
    ],
    [`PATTERN (login A) WHERE Z.user_id = 'x' WITHIN 1 MINUTE`, 1, 25, /unknown variable Z/],
    [`PATTERN (login A) WHERE A.user_type = WITHIN 1 MINUTE`, 1, 39, /expected a value/],
    [`PATTERN (login A) -> (page_view B)`, 1, 35, /expected WITHIN/],
    [`PATTERN (login A) WITHIN 10 FORTNIGHTS`, 1, 29, /expected a time unit/],
    [`PATTERN NOT (login A) -> (page_view B) WITHIN 1 MINUTE`, 1, 9, /cannot start with NOT/],
    [`PATTERN (login A) -> (page_view B){3,2} WITHIN 1 MINUTE`, 1, 35, /maximum is below the minimum/],
    [`PATTERN (login A) => NOT (page_view B) WITHIN 1 MINUTE`, 1, 22, /NOT needs relaxed contiguity/],
    [`PATTERN (login A) -> (login A) WITHIN 1 MINUTE`, 1, 22, /variable A is used twice/],
    [`NAME n MESSAGE 'hi {A.nope}' PATTERN (login A) WITHIN 1 MINUTE`, 1, 21, /unknown field 'nope'/],
    [`NAME n MESSAGE 'hi {A.user_id' PATTERN (login A) WITHIN 1 MINUTE`, 1, 20, /unclosed placeholder/],
    [`PATTERN (login A) WHERE A.user_type = 'premium WITHIN 1 MINUTE`, 1, 39, /unterminated string/],
    [`RULE r WHERE x > 1`, 1, 1, /expected an ON clause/],
    [`RULE r ON realtime WHERE count(A) > 1`, 1, 26, /aggregates the events of a pattern variable/],
    [
      `NAME a PATTERN (login A) WITHIN 1 MINUTE\nNAME a PATTERN (login A) WITHIN 1 MINUTE`,
      2,
      1,
      /duplicate name 'a' \(first defined on line 1\)/,
    ],
    [
      `NAME a SEVERITY urgent PATTERN (login A) WITHIN 1 MINUTE`,
      1,
      17,
      /expected a severity: info, warning or critical/,
    ],
  ];
  for (const [text, line, column, re] of cases) {
    const e = error(text);
    assert.match(e.message, re, text);
    assert.deepEqual([e.line, e.column], [line, column], `${text}\n${e.message}`);
  }
});

test('the reference syntax parses as written, comments included', () => {
  const defs = parsePatterns(
    `-- High-value user detection
PATTERN (login A) -> (view_product B) -> (add_to_cart C) -> (checkout D)
WHERE A.user_type = 'premium' AND B.product_category = 'electronics'
WITHIN 10 MINUTES

-- Session abandonment alert
PATTERN (session_start A) -> (page_view B) -> (session_timeout C)
WHERE B.page_depth = 1 AND C.idle_time > 5 MINUTES
WITHIN 15 MINUTES`,
    'ref.cep',
  );
  assert.deepEqual(
    defs.map((d) => d.name),
    ['ref_1', 'ref_2'],
  );
  const [a, b] = defs;
  assert.ok(a.kind === 'sequence' && b.kind === 'sequence');
  assert.deepEqual(
    a.elements.map((e) => [e.kinds, e.variable]),
    [
      [['login'], 'A'],
      [['view_product'], 'B'],
      [['add_to_cart'], 'C'],
      [['checkout'], 'D'],
    ],
  );
  assert.equal(a.withinMs, 600_000);
  assert.equal(b.withinMs, 900_000);
  assert.equal(a.partitionBy, 'user_id');
});

test('every shipped pattern file loads', () => {
  const names = loadPatternFiles([defaultPatternDir()])
    .map((d) => d.name)
    .sort();
  assert.deepEqual(names, [
    'cart_abandonment',
    'conversion_funnel_completed',
    'conversion_funnel_drop',
    'fraud_multi_card',
    'fraud_multi_country',
    'fraud_velocity',
    'high_bounce_rate',
    'premium_electronics_buyer',
    'session_abandonment',
    'traffic_anomaly',
  ]);
});

test('patterns check prints conditions with the grouping they were parsed with', () => {
  const cases: [string, string][] = [
    ['A.revenue - (1 - 2) - 3 > 0', 'A.revenue - (1 - 2) - 3 > 0'],
    ['(A.revenue - 1) * 2 + 3 / (4 % 5) > 0', '(A.revenue - 1) * 2 + 3 / (4 % 5) > 0'],
    [
      "A.country = 'x' OR A.country = 'y' AND NOT (A.revenue > 1 OR A.revenue < 0)",
      "A.country = 'x' OR A.country = 'y' AND NOT (A.revenue > 1 OR A.revenue < 0)",
    ],
    [
      "(A.country = 'x' OR A.country = 'y') AND -A.revenue < 2",
      "(A.country = 'x' OR A.country = 'y') AND -A.revenue < 2",
    ],
  ];
  for (const [written, printed] of cases) {
    const [def] = parsePatterns(`PATTERN (purchase A) WHERE ${written} WITHIN 1 MINUTE`);
    assert.ok(def.kind === 'sequence');
    assert.equal(printExpr(def.where!), printed);
  }
});

test('PARTITION BY and RULE ... ON name what exists, or list the choices with a suggestion', () => {
  const cases: [string, number, RegExp][] = [
    [
      `PATTERN (login A) PARTITION BY nosuch_id WITHIN 1 MINUTE`,
      32,
      /unknown partition field 'nosuch_id': expected a field that the events of every element have: event_type, event_id, user_id, .*action$/m,
    ],
    [`PATTERN (login A) PARTITION BY user_di WITHIN 1 MINUTE`, 32, /\(did you mean user_id\?\)/],
    // Events without the field are skipped: an element whose events never have it could never match.
    [
      `PATTERN (login A) -> (purchase B) PARTITION BY card_id WITHIN 1 MINUTE`,
      48,
      /PARTITION BY card_id: login events have no field 'card_id', so A would never take one/,
    ],
    [
      `PATTERN (purchase A) -> NOT (login B) PARTITION BY card_id WITHIN 1 MINUTE`,
      52,
      /so B would never see one \(the NOT would always hold\)/,
    ],
    [`PATTERN (signup A) PARTITION BY card_id WITHIN 1 MINUTE`, 33, /signup events \(from user_event\)/],
    [
      `RULE r ON nosuchview WHERE x > 1`,
      11,
      /unknown view 'nosuchview': a RULE reads the results of one of realtime, business, sessions, kpis, products\.tumbling, products\.hopping, eventflow\.orders, eventflow\.revenue, eventflow\.funnel$/m,
    ],
    [`RULE r ON VIEW realtme WHERE x > 1`, 16, /unknown view 'realtme'.*\(did you mean realtime\?\)/],
    [`RULE r ON products WHERE x > 1`, 11, /did you mean products\.tumbling or products\.hopping\?/],
  ];
  for (const [text, column, re] of cases) {
    const e = error(text);
    assert.match(e.message, re, text);
    assert.deepEqual([e.line, e.column, e.exitCode], [1, column, 2], `${text}\n${e.message}`);
  }
  // Accepted: a field every element has; ANY and custom events (which may carry it as a property).
  for (const ok of [
    `PATTERN (purchase A) -> (order B) PARTITION BY card_id WITHIN 1 MINUTE`,
    `PATTERN (purchase A) -> (ANY B) PARTITION BY card_id WITHIN 1 MINUTE`,
    `PATTERN (custom:video_play A) PARTITION BY tenant WITHIN 1 MINUTE`,
  ])
    assert.doesNotThrow(() => parsePatterns(ok), ok);
});

test('a RULE may read every result view the engine emits', () => {
  const emitted = buildViews(resolveEngineConfig(defaultEngineConfig())).map((v) => v.name);
  assert.ok(emitted.length >= 9);
  for (const view of emitted) assert.doesNotThrow(() => parsePatterns(`RULE r ON ${view} WHERE x > 1`), view);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convert, moneyFrom, parseRateTable, totalIn } from '../../src/events/currency.js';
import { USD_RATES, convertPrice } from '../../src/simulator/catalog.js';
import { UsageError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';

test('conversion goes through the base: 151 JPY = 1 USD = 0.92 EUR', () => {
  const table = { base: 'USD', rates: { USD: 1, JPY: 151, EUR: 0.92 } };
  assert.equal(convert(151, 'JPY', 'USD', table), 1);
  assert.ok(Math.abs(convert(151, 'JPY', 'EUR', table)! - 0.92) < 1e-12);
  assert.equal(convert(1, 'XXX', 'USD', table), null);
  assert.deepEqual(totalIn({ USD: 1, JPY: 302, XXX: 5 }, { table, currency: 'USD' }), {
    total: 3,
    currency: 'USD',
    unconverted: { XXX: 5 },
  });
});

test('the default table is the one the simulator prices with: a USD report gives back list prices', () => {
  const m = moneyFrom({});
  assert.equal(m.currency, 'USD');
  for (const code of Object.keys(USD_RATES)) {
    const back = convert(convertPrice(100, code), code, 'USD', m.table)!;
    assert.ok(Math.abs(back - 100) < 0.5, `${code}: ${back}`);
  }
});

test('a rate table is checked: codes, positive rates, the base at 1', () => {
  const bad = (v: unknown, re: RegExp) =>
    assert.throws(
      () => parseRateTable(v, 'rates.json'),
      (e: Error) => e instanceof UsageError && re.test(e.message),
    );
  bad([], /expected a JSON object/);
  bad({ base: 'usd', rates: {} }, /"base" must be a currency code/);
  bad({ base: 'USD', rates: { EURO: 1 } }, /"EURO" is not a three-letter currency code/);
  bad({ base: 'USD', rates: { EUR: -1 } }, /rates\.EUR must be a positive number/);
  bad({ base: 'USD', rates: { USD: 2 } }, /rates\.USD must be 1/);
  assert.deepEqual(parseRateTable({ base: 'EUR', rates: { USD: 1.1 } }, 'x').rates, { USD: 1.1, EUR: 1 });
});

test('rtap report: --currency and --currency-rates change the reporting currency; a bad table is exit 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtap-currency-'));
  const results = join(dir, 'results.jsonl');
  // One final revenue window of 500 EUR: in a table where 1 GBP = 2 EUR it is 250 GBP.
  writeFileSync(
    results,
    JSON.stringify({
      kind: 'result',
      view: 'eventflow.revenue',
      key: 'EUR',
      window_start: 0,
      window_end: 300_000,
      emit: 'final',
      emitted_at: 0,
      watermark: 0,
      last_intended_send_time: 0,
      event_count: 1,
      fields: { currency: 'EUR', total_revenue: 500, order_count: 1, avg_order_value: 500 },
    }) + '\n',
  );
  const rates = join(dir, 'rates.json');
  writeFileSync(rates, JSON.stringify({ base: 'GBP', rates: { EUR: 2 } }));
  const r = await runCli(['--json', 'report', '--input', results, '--currency-rates', rates]);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.currency, 'GBP');
  assert.equal(rep.revenueTrend[0].total_revenue, 250);
  writeFileSync(rates, '{"base": "GBP", "rates": {"EUR": 0}}');
  const bad = await runCli(['report', '--input', results, '--currency-rates', rates]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--currency-rates .*rates\.json: rates\.EUR must be a positive number/);
  const unknown = await runCli(['report', '--input', results, '--currency', 'CHF']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--currency CHF: the rate table has no rate for it/);
});

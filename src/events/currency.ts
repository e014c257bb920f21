import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { parseJsonFile } from '../files/json.js';

/**
 * Money in several currencies is never added as it is: totals (revenue, average order value) are
 * converted into one reporting currency with a rate table first, and the per-currency split is kept
 * next to them. The default table is the fixed one the simulator prices with (a simulation, not a market
 * feed); `--currency-rates <file>` replaces it and `--currency <code>` picks the reporting currency
 * (docs/currency.md).
 */
export interface RateTable {
  /** The currency the rates are quoted against: 1 base = rates[c] units of c. */
  base: string;
  rates: Readonly<Record<string, number>>;
}

export const DEFAULT_RATE_TABLE: RateTable = {
  base: 'USD',
  rates: { USD: 1, EUR: 0.92, GBP: 0.79, CAD: 1.36, JPY: 151, INR: 83.3, BRL: 5.05, AUD: 1.52 },
};

/** A rate table and the currency totals are reported in. */
export interface Money {
  table: RateTable;
  currency: string;
}

export const DEFAULT_MONEY: Money = { table: DEFAULT_RATE_TABLE, currency: DEFAULT_RATE_TABLE.base };

const CODE = /^[A-Z]{3}$/;

/** `amount` of `from` in `to`; null when the table lacks either currency. */
export function convert(amount: number, from: string, to: string, table: RateTable): number | null {
  const a = table.rates[from];
  const b = table.rates[to];
  if (a === undefined || b === undefined) return null;
  return (amount / a) * b;
}

export interface ConvertedTotal {
  /** The sum of the amounts that could be converted, in the reporting currency; null when none could. */
  total: number | null;
  currency: string;
  /** Amounts in currencies the table has no rate for: never added in, shown apart. */
  unconverted: Record<string, number>;
}

/** Converts a per-currency split into one total in the reporting currency. */
export function totalIn(byCurrency: Readonly<Record<string, number>>, money: Money): ConvertedTotal {
  let total: number | null = null;
  const unconverted: Record<string, number> = {};
  for (const [code, amount] of Object.entries(byCurrency)) {
    const v = convert(amount, code, money.currency, money.table);
    if (v === null) unconverted[code] = amount;
    else total = (total ?? 0) + v;
  }
  return { total, currency: money.currency, unconverted };
}

/** Checks a rate table (from a file or a config key): positive rates, three-letter codes, base at 1. */
export function parseRateTable(v: unknown, where: string): RateTable {
  const bad = (what: string): never => {
    throw new UsageError(
      `${where}: ${what}`,
      'expected {"base": "USD", "rates": {"EUR": 0.92, "JPY": 151, ...}}: units of each currency per 1 base',
    );
  };
  if (v === null || typeof v !== 'object' || Array.isArray(v)) bad('expected a JSON object');
  const o = v as Record<string, unknown>;
  if (typeof o.base !== 'string' || !CODE.test(o.base)) bad(`"base" must be a currency code like "USD"`);
  if (o.rates === null || typeof o.rates !== 'object' || Array.isArray(o.rates))
    bad('"rates" must be an object of currency code → rate');
  const rates: Record<string, number> = {};
  for (const [code, rate] of Object.entries(o.rates as Record<string, unknown>)) {
    if (!CODE.test(code)) bad(`rates: "${code}" is not a three-letter currency code`);
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0)
      bad(`rates.${code} must be a positive number, got ${JSON.stringify(rate)}`);
    rates[code] = rate as number;
  }
  const base = o.base as string;
  if (rates[base] !== undefined && rates[base] !== 1) bad(`rates.${base} must be 1: it is the base`);
  rates[base] = 1;
  return { base, rates };
}

/** Reads `--currency-rates <file>`; errors name the file. */
export function loadRateTable(path: string): RateTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --currency-rates ${path}: ${(err as NodeJS.ErrnoException).code}`);
  }
  return parseRateTable(parseJsonFile(text, `--currency-rates ${path}`), `--currency-rates ${path}`);
}

/** The money settings of a command: the table (default or file) and the reporting currency in it. */
export function moneyFrom(o: { currencyRates?: string; currency?: string }): Money {
  const table = o.currencyRates ? loadRateTable(o.currencyRates) : DEFAULT_RATE_TABLE;
  const currency = o.currency ?? table.base;
  if (table.rates[currency] === undefined)
    throw new UsageError(
      `--currency ${currency}: the rate table has no rate for it`,
      `currencies in the table: ${Object.keys(table.rates).sort().join(', ')}`,
    );
  return { table, currency };
}

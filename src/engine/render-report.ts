import Table from 'cli-table3';
import { Chalk } from 'chalk';
import type { BatchReport } from './analytics.js';

const money = (n: number | null) =>
  n === null ? '-' : n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const int = (n: number) => n.toLocaleString('en-US');
const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');

/** Units of `code` per 1 of the reporting currency. */
function convertRate(r: BatchReport, code: string, perBase: number): number {
  return perBase / r.rates.rates[r.currency];
}

/** The human rendering of `rtap report`: one table per analysis of 002. */
export function renderBatchReport(r: BatchReport, o: { top: number; color: boolean }): string {
  const style = o.color ? { head: ['cyan'] } : { head: [], border: [] };
  const c = new Chalk({ level: o.color ? 1 : 0 });
  const out: string[] = [];
  const views = Object.entries(r.input.byView).map(([v, n]) => `${v} ${int(n)}`);
  out.push(
    c.bold(
      `rtap report — ${int(r.input.finals)} final results${views.length ? ` (${views.join(', ')})` : ''}`,
    ),
  );
  const others = Object.entries(r.rates.rates)
    .filter(([k]) => k !== r.currency)
    .map(([k, v]) => `${k} ${+convertRate(r, k, v).toPrecision(4)}`)
    .join(', ');
  out.push(
    c.dim(
      `Totals across currencies are converted into ${r.currency} (1 ${r.currency} = ${others}); amounts per currency are as ordered. --currency and --currency-rates change it (docs/currency.md).`,
    ),
  );

  out.push(c.bold('\nTop revenue by currency'));
  const cur = new Table({
    head: [
      'currency',
      'revenue',
      `in ${r.currency}`,
      'orders',
      'avg order',
      'mean of window avgs',
      'windows',
    ],
    style,
  });
  for (const x of r.topRevenueByCurrency)
    cur.push([
      x.currency,
      money(x.total_revenue),
      x.total_revenue_converted === null ? 'no rate' : money(x.total_revenue_converted),
      int(x.order_count),
      money(x.avg_order_value),
      money(x.mean_window_avg_order_value),
      int(x.windows),
    ]);
  out.push(cur.toString());

  out.push(c.bold(`\nConversion rate per user (top ${o.top} of ${int(r.conversionByUser.length)})`));
  const conv = new Table({ head: ['user', 'product views', 'orders', 'orders per 100 views'], style });
  for (const x of r.conversionByUser.slice(0, o.top))
    conv.push([
      x.user_id,
      int(x.views),
      int(x.orders),
      x.conversion_rate_pct === null ? '-' : x.conversion_rate_pct.toFixed(1),
    ]);
  out.push(conv.toString());
  out.push(
    c.dim(
      "002's conversion rate, orders / product views × 100 per user: an order line is one product, so a user who orders products viewed before the data begins (a cart from an earlier visit) goes above 100.",
    ),
  );

  out.push(c.bold('\nRevenue trend'));
  const trend = new Table({
    head: ['window start', `revenue (${r.currency})`, 'orders', 'by currency, as ordered'],
    style,
  });
  for (const x of r.revenueTrend) {
    const left = Object.keys(x.unconverted);
    trend.push([
      iso(x.window_start),
      money(x.total_revenue) + (left.length ? ` (without ${left.join(', ')}: no rate)` : ''),
      int(x.order_count),
      Object.entries(x.by_currency)
        .map(([k, v]) => `${k} ${money(v)}`)
        .join(', '),
    ]);
  }
  out.push(trend.toString());

  out.push(c.bold(`\nUser segments (spend converted into ${r.currency})`));
  const seg = new Table({
    head: ['segment', 'rule', 'users', 'orders', 'revenue', 'per user', 'avg order'],
    style,
  });
  for (const s of r.segments)
    seg.push([
      s.segment,
      s.rule,
      int(s.users),
      int(s.orders),
      money(s.revenue),
      money(s.avg_revenue_per_user),
      money(s.avg_order_value),
    ]);
  out.push(seg.toString());
  const left = Object.entries(r.unconverted_order_revenue);
  if (left.length)
    out.push(
      c.dim(
        `left out of the spend (no rate in the table): ${left.map(([k, v]) => `${k} ${money(v)}`).join(', ')}`,
      ),
    );
  return out.join('\n');
}

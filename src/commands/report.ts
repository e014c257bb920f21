import { setting } from '../config/settings.js';
import * as v from '../config/values.js';
import type { CommandContext } from './define.js';
import { defineCommand } from './define.js';
import { currencySettings } from './settings.js';

export const reportSettings = {
  input: setting({
    key: 'input',
    flags: '--input <file>',
    description: 'stored results: the JSON lines `rtap process --output` writes (.gz read transparently)',
    parse: v.string,
    file: 'input',
  }),
  ...currencySettings,
  top: setting({
    key: 'top',
    flags: '--top <n>',
    description: 'rows of the per-user conversion table',
    parse: v.count,
    default: 10,
  }),
};

/**
 * `rtap report`: 002's batch analytics over stored results (top revenue by currency, conversion rate per
 * user, revenue trend, user segments). The analytics live in src/engine/analytics.ts; this reads the file
 * and renders.
 */
export const report = defineCommand({
  name: 'report',
  summary: 'batch analytics over stored results: revenue by currency, conversion per user, trend, segments',
  description:
    "Reads results written by `rtap process --output` (final eventflow.revenue, eventflow.funnel and eventflow.orders records; early records and re-deliveries are ignored) and prints EventFlow's batch analyses: top revenue by currency, conversion rate per user, revenue trend per window, and user segments VIP (> $1K) / Premium (> $500) / Regular / New. --json prints the whole report as JSON.",
  examples: [
    'rtap process --input events.jsonl.gz --output results.jsonl && rtap report --input results.jsonl',
    'rtap report --input results.jsonl.gz --top 20',
    'rtap --json report --input results.jsonl > report.json',
  ],
  settings: reportSettings,
  async run(o, ctx) {
    if (!o.input) {
      const { UsageError } = await import('../errors.js');
      throw new UsageError('report needs --input <file> (results written by `rtap process --output`)');
    }
    const { moneyFrom } = await import('../events/currency.js');
    return runReport({ input: o.input, top: o.top, money: moneyFrom(o) }, ctx);
  },
});

async function runReport(
  o: { input: string; top: number; money: import('../events/currency.js').Money },
  ctx: CommandContext,
): Promise<void> {
  const [{ readResults }, { analyzeResults }, { renderBatchReport }] = await Promise.all([
    import('../engine/results-file.js'),
    import('../engine/analytics.js'),
    import('../engine/render-report.js'),
  ]);
  const report = analyzeResults(await readResults(o.input), o.money);
  if (ctx.json) ctx.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else ctx.stdout.write(renderBatchReport(report, { top: o.top, color: ctx.color }) + '\n');
  if (report.input.finals === 0) ctx.log(`rtap report: ${o.input} holds no final results`);
}

import { setting } from '../../config/settings.js';
import * as v from '../../config/values.js';
import type { CommandContext } from '../define.js';
import { defineCommand } from '../define.js';
import { currencySettings } from '../settings.js';

export const reportSettings = {
  input: setting({
    key: 'input',
    flags: '--input <file>',
    description: 'stored results: the JSON lines `rtap process --output` writes (.gz read transparently)',
    parse: v.string,
    file: 'input',
  }),
  from: setting({
    key: 'from',
    flags: '--from <source>',
    description:
      'where the results are: a JSON-lines file (as --input), a postgres://… URL of the tables `--sink postgres` fills, or the directory of `--sink parquet`',
    parse: v.string,
  }),
  pgSchema: setting({
    key: 'pgSchema',
    flags: '--pg-schema <name>',
    description: "with --from postgres://…: the schema of 002's tables",
    parse: v.string,
    default: 'public',
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
    "Reads results written by `rtap process --output` (final eventflow.revenue, eventflow.funnel and eventflow.orders records; early records and re-deliveries are ignored), or runs the same analyses as SQL over the PostgreSQL tables of `--sink postgres` (--from postgres://…), and prints EventFlow's batch analyses: top revenue by currency, conversion rate per user, revenue trend per window, and user segments VIP (> $1K) / Premium (> $500) / Regular / New. The output is the same for the same run whichever store it is read from. --json prints the whole report as JSON.",
  examples: [
    'rtap process --input events.jsonl.gz --output results.jsonl && rtap report --input results.jsonl',
    'rtap report --input results.jsonl.gz --top 20',
    'rtap --json report --input results.jsonl > report.json',
    'rtap report --from postgres://rtap@localhost:5432/rtap --pg-schema eventflow',
    'rtap report --from ./cold-store',
  ],
  settings: reportSettings,
  async run(o, ctx) {
    const { UsageError } = await import('../../errors.js');
    if (o.input && o.from) throw new UsageError('give --input <file> or --from <source>, not both');
    const source = o.from ?? o.input;
    if (!source)
      throw new UsageError(
        'report needs --from <source> (a results file, postgres://… or a Parquet directory) or --input <file>',
      );
    const { moneyFrom } = await import('../../events/currency.js');
    return runReport({ source, pgSchema: o.pgSchema, top: o.top, money: moneyFrom(o) }, ctx);
  },
});

async function runReport(
  o: { source: string; pgSchema: string; top: number; money: import('../../events/currency.js').Money },
  ctx: CommandContext,
): Promise<void> {
  const { loadBatchReport } = await import('../../reporting/batch-source.js');
  const { renderBatchReport } = await import('../../engine/render-report.js');
  const { report, read } = await loadBatchReport(o.source, { pgSchema: o.pgSchema, money: o.money });
  ctx.log(`rtap report: ${read}`);
  if (ctx.json) ctx.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else ctx.stdout.write(renderBatchReport(report, { top: o.top, color: ctx.color }) + '\n');
  if (report.input.finals === 0) ctx.log(`rtap report: ${o.source} holds no final results`);
}

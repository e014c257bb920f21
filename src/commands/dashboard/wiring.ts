import type { CommandContext, OptionsOf } from '../define.js';
import { moneyFrom } from '../../events/currency.js';
import type { dashboardSettings } from './index.js';
import { EXIT, RtapError, UsageError } from '../../errors.js';
import { openTransport } from '../../transport/open.js';
import { topicFeed } from '../../dashboard/feeds/topics.js';
import { startDashboard, type Dashboard } from '../../dashboard/index.js';

type DashboardOptions = OptionsOf<typeof dashboardSettings>;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** `rtap dashboard`: the standalone dashboard over the pipeline's output topics. */
export async function dashboardCommand(o: DashboardOptions, ctx: CommandContext): Promise<number> {
  if (!o.brokers) {
    throw new UsageError(
      "rtap dashboard reads the pipeline's output topics and needs --brokers host:port (the embedded log lives inside one rtap process)",
      'to watch an in-process run use `rtap run`, or `rtap process --brokers ... --dashboard <port>`',
    );
  }
  // Before connecting: a bad rate table is a usage error up front.
  const money = moneyFrom(o);
  if (!LOOPBACK.has(o.host) && !o.token) {
    ctx.log(
      `rtap dashboard: warning: bound to ${o.host} without --token: anyone who can reach this port can read the dashboard`,
    );
  }
  const transport = await openTransport({ brokers: o.brokers });
  let badRecords = 0;
  let failure: Error | null = null;
  const stopped = new AbortController();
  const feed = topicFeed({
    transport,
    fromBeginning: !o.fromLatest,
    onBadRecord: (rec, reason) => {
      // One line per bad record would flood the terminal on a polluted topic: the first few, then a count.
      if (++badRecords <= 5)
        ctx.log(`rtap dashboard: skipped ${rec.topic}/${rec.partition}@${rec.offset}: ${reason}`);
      else if (badRecords % 1000 === 0)
        ctx.log(`rtap dashboard: ${badRecords} malformed records skipped so far`);
    },
    onError: (err) => {
      failure = err;
      stopped.abort();
    },
  });
  const kpiArchive =
    o.kpisFrom === 'mongo'
      ? await (await import('../../dashboard/mongo-kpis.js')).mongoKpiArchive(o.mongoUrl, money)
      : undefined;
  let dash: Dashboard;
  try {
    dash = await startDashboard({
      port: o.port,
      host: o.host,
      token: o.token,
      feed,
      batchIntervalMs: o.batchInterval,
      store: { money },
      kpiArchive,
    });
  } catch (err) {
    await kpiArchive?.close();
    await feed.close();
    await transport.close();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE')
      throw new RtapError(
        `port ${o.port} on ${o.host} is already in use`,
        EXIT.FAILURE,
        'choose another with --port (0 picks a free one)',
      );
    if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND')
      throw new UsageError(`--host ${o.host}: not an address of this machine (${e.code})`);
    throw err;
  }
  if (ctx.json)
    ctx.stdout.write(JSON.stringify({ url: dash.url, port: dash.port, feed: feed.description }) + '\n');
  ctx.log(
    `rtap dashboard: ${dash.url}${o.token ? '?token=<your token>' : ''} (reading ${feed.description}${kpiArchive ? `; /kpis from ${kpiArchive.description}` : ''}; Ctrl-C to stop)`,
  );
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted || stopped.signal.aborted) return resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    stopped.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await dash.close();
  await kpiArchive?.close();
  await feed.close();
  await transport.close();
  if (failure)
    throw new RtapError(`rtap dashboard: reading the topics failed: ${(failure as Error).message}`);
  return EXIT.OK;
}

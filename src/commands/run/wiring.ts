import type { Dashboard } from '../../dashboard/index.js';
import type { CommandContext, OptionsOf } from '../define.js';
import type { runSettings } from './index.js';
import { EXIT, UsageError } from '../../errors.js';
import { runBench } from '../../bench/run.js';
import { phaseText } from '../../bench/phases.js';
import { renderReport } from '../../reporting/table.js';
import { buildSinks, storeSinkOptions } from '../../sinks/build.js';
import { LatencyRecorders } from '../../reporting/histograms.js';
import {
  checkPresetTargets,
  chooseSinks,
  outputTopics,
  pipelineTopicsFrom,
  simulatorTopics,
} from '../preset-options.js';
import { openTransport } from '../../transport/open.js';
import { DeferredFeed } from '../../ui/deferred-feed.js';
import { loadLiveView, startLiveView, type LiveViewHandle } from '../../ui/live-view.js';
import { UNTIL_STOPPED_MS } from '../../ui/until-stopped.js';
import { engineOverrides } from '../../pipeline/assemble.js';
import { moneyFrom } from '../../events/currency.js';
import { startRunDashboard } from '../../ui/run-dashboard.js';

type RunOptions = OptionsOf<typeof runSettings>;

/**
 * `rtap run`: simulator + processor in this process (the bench runner's wiring, with no warm-up and no
 * gate), the web dashboard, and the live view until q, Ctrl-C or --duration.
 */
export async function runCommand(o: RunOptions, ctx: CommandContext): Promise<number> {
  if (o.sink.includes('jsonl') && !o.output) throw new UsageError('--sink jsonl needs --output <file>');
  const topics = pipelineTopicsFrom(o);
  const chosen = chooseSinks(ctx, 'run', o.sink);
  const transport = await openTransport({ brokers: o.brokers, topics });
  const recorders = new LatencyRecorders();
  const quit = new AbortController();
  const signal = AbortSignal.any([ctx.signal, quit.signal]);
  let dashboard: Dashboard | null = null;
  let view: LiveViewHandle | null = null;
  let viewTimer: NodeJS.Timeout | null = null;
  // The run ends by draining the engine (every open window and pattern timeout fires at once, e.g. a burst
  // of cart_abandonment "at end of input"): those are an artefact of stopping, so the view stops first.
  const stopView = () => {
    if (viewTimer) clearTimeout(viewTimer);
    (view as LiveViewHandle | null)?.stop();
  };
  signal.addEventListener('abort', stopView, { once: true });
  try {
    const sinks = await buildSinks(chosen.used, {
      transport,
      output: o.output,
      topics: outputTopics(topics),
      influx: { url: o.influxUrl, token: o.influxToken, org: o.influxOrg, bucket: o.influxBucket },
      ...storeSinkOptions(o),
      onWriteLatency: (ms) => recorders.record('sink_write', ms),
    });
    const feed = new DeferredFeed(`rtap run (${transport.description})`);
    const liveStatsFeed =
      o.dashboard === null ? null : (await import('../../dashboard/index.js')).liveStatsFeed;
    if (o.dashboard !== null) dashboard = await startRunDashboard(o.dashboard, feed, moneyFrom(o));
    const interactive = ctx.interactive && !ctx.json;
    await loadLiveView(ctx.json ? ctx.stderr : ctx.stdout, interactive);
    const until = o.duration
      ? `for ${Math.round(o.duration / 1000)}s`
      : interactive
        ? 'until you press q'
        : 'until Ctrl-C';
    ctx.log(
      `rtap run: simulating ${o.rate}/s on the ${transport.description} ${until}${dashboard ? `; dashboard at ${dashboard.url}` : ''}`,
    );
    const { report } = await runBench({
      transport,
      recorders,
      topics,
      simulator: {
        topics: simulatorTopics(topics),
        seed: o.seed,
        profile: o.mix,
        users: o.users,
        lateShare: o.lateShare,
        duplicateShare: o.duplicateShare,
        malformedShare: o.malformedShare,
        encoding: o.encoding,
        fraudShare: o.fraudShare,
      },
      shape: { kind: 'constant', ratePerSec: o.rate },
      durationMs: o.duration ?? UNTIL_STOPPED_MS,
      warmupMs: 0,
      engine: engineOverrides(o),
      patterns: o.patterns,
      threads: o.threads,
      sinks,
      log: ctx.log,
      signal,
      // After q the user wants out: drain what is already in the log, but do not wait long for it.
      drainTimeoutMs: 5000,
      effectiveConfig: ctx.effectiveConfig,
      onPhase: (phase) => {
        stopView();
        ctx.log(`rtap run: ${phaseText(phase)}`);
      },
      onLive: (live) => {
        if (liveStatsFeed) feed.attach(liveStatsFeed(live, `rtap run (${transport.description})`));
        view = startLiveView({
          live,
          title: 'rtap run',
          subtitle: transport.description + (dashboard ? ` · dashboard ${dashboard.url}` : ''),
          // --json keeps stdout for the report: the periodic lines go to stderr then.
          stdout: ctx.json ? ctx.stderr : ctx.stdout,
          refreshMs: 1000 / o.refresh,
          color: ctx.color,
          interactive,
          totalS: o.duration ? o.duration / 1000 : null,
          plainAlerts: true,
          onQuit: () => quit.abort('quit'),
          // Raw mode turns Ctrl-C into a key: hand it back as the signal the CLI already handles.
          onInterrupt: () => process.kill(process.pid, 'SIGINT'),
        });
        if (o.duration) viewTimer = setTimeout(stopView, o.duration);
      },
    });
    stopView();
    const targetsMet = checkPresetTargets(ctx, 'run', report, {
      used: sinks.map((s) => s.name),
      skipped: chosen.skipped,
    });
    if (ctx.jsonFile)
      (await import('node:fs')).writeFileSync(ctx.jsonFile, JSON.stringify(report, null, 2) + '\n');
    if (ctx.json) ctx.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else ctx.stdout.write(renderReport(report, ctx.color) + '\n');
    if (ctx.signal.aborted) return EXIT.INTERRUPTED;
    return targetsMet ? EXIT.OK : EXIT.THRESHOLD_FAILED;
  } finally {
    stopView();
    signal.removeEventListener('abort', stopView);
    await dashboard?.close();
    await transport.close();
  }
}

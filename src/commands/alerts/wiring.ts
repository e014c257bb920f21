import { EventEmitter } from 'node:events';
import type { CommandContext, OptionsOf } from '../define.js';
import type { alertsSettings } from './index.js';
import { EXIT, RtapError, UsageError } from '../../errors.js';
import { runBench } from '../../bench/run.js';
import { openTransport } from '../../transport/open.js';
import { filterFromFlags } from '../../ui/alert-filter.js';
import { startAlertsView, type AlertsViewHandle } from '../../ui/alerts-view.js';
import { AlertFollower } from '../../ui/follow-alerts.js';
import { fmtClock, fmtCount, fmtRate } from '../../ui/format.js';
import { UNTIL_STOPPED_MS } from '../../ui/until-stopped.js';

type AlertsOptions = OptionsOf<typeof alertsSettings>;

/** Resolves when the signal aborts (at once if it already has). */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * `rtap alerts`. With --brokers: follows the alerts topic. Without: the embedded log lives inside one
 * process, so there is nothing to follow; instead this process simulates and processes traffic (the
 * `rtap run` pipeline) and shows its alerts, which is what someone typing `rtap alerts` wants to see.
 */
export async function alertsCommand(o: AlertsOptions, ctx: CommandContext): Promise<number> {
  if (o.fromBeginning && o.tail !== undefined)
    throw new UsageError(
      '--from-beginning and --tail cannot be combined: --tail N already starts N alerts before the end',
    );
  if (!o.brokers) {
    for (const [flag, set] of [
      ['--from-beginning', o.fromBeginning],
      ['--tail', o.tail !== undefined],
      ['--exit-on-end', o.exitOnEnd],
    ] as const) {
      if (set)
        throw new UsageError(
          `${flag} reads the alerts topic of a Kafka cluster: give --brokers host:port`,
          'without --brokers, rtap alerts simulates and processes traffic itself and shows its alerts as they are detected (--duration ends it)',
        );
    }
  }
  const filter = filterFromFlags(o);
  const interactive = ctx.interactive && !ctx.json;
  const quit = new AbortController();
  const common = {
    filter,
    max: o.max ?? null,
    stdout: ctx.stdout,
    interactive,
    color: ctx.color,
    refreshMs: 1000 / o.refresh,
    onInterrupt: () => process.kill(process.pid, 'SIGINT'),
  };
  return o.brokers ? followTopic(o, ctx, common, quit) : inProcess(o, ctx, common, quit);
}

type Common = Omit<Parameters<typeof startAlertsView>[0], 'feed' | 'status' | 'source'>;

async function followTopic(
  o: AlertsOptions,
  ctx: CommandContext,
  common: Common,
  quit: AbortController,
): Promise<number> {
  const transport = await openTransport({ brokers: o.brokers });
  const follower = new AlertFollower({
    transport,
    topic: o.topic,
    fromBeginning: o.fromBeginning,
    tail: o.tail ?? null,
  });
  let unreadable = 0;
  follower.on('unreadable', (err) => {
    // The interactive footer counts them; plain output says where each one was (first few only).
    if (!common.interactive && ++unreadable <= 5)
      ctx.log(`rtap alerts: skipped unreadable record ${err.message}`);
  });
  const source = `${o.topic} on ${transport.description}`;
  if (!common.interactive)
    ctx.log(
      `rtap alerts: following ${source}${o.tail !== undefined ? `, newest ${o.tail} first` : o.fromBeginning ? ' from the beginning' : ''}`,
    );
  const view: AlertsViewHandle = startAlertsView({ ...common, feed: follower, status: follower, source });
  let failure: Error | null = null;
  const running = follower.start().catch((err: Error) => {
    failure = err;
  });
  try {
    const ends: Promise<unknown>[] = [view.done, aborted(ctx.signal), running];
    if (o.exitOnEnd)
      ends.push(new Promise<void>((resolve) => follower.once('caughtUp', () => setImmediate(resolve))));
    await Promise.race(ends);
  } finally {
    view.stop();
    await follower.stop();
    await running;
    await transport.close();
    quit.abort();
  }
  if (failure) throw new RtapError(`rtap alerts: following ${source} failed: ${(failure as Error).message}`);
  return ctx.signal.aborted ? EXIT.INTERRUPTED : EXIT.OK;
}

async function inProcess(
  o: AlertsOptions,
  ctx: CommandContext,
  common: Common,
  quit: AbortController,
): Promise<number> {
  const transport = await openTransport({});
  const signal = AbortSignal.any([ctx.signal, quit.signal]);
  const status = new EventEmitter<{ status: [string] }>();
  let view: AlertsViewHandle | null = null;
  const source = `in-process simulation at ${fmtRate(o.rate)}`;
  if (!common.interactive)
    ctx.log(
      `rtap alerts: no --brokers, so simulating and processing ${fmtRate(o.rate)} in this process and printing its alerts${o.duration ? ` for ${Math.round(o.duration / 1000)}s` : ' until Ctrl-C'}`,
    );
  try {
    await runBench({
      transport,
      simulator: { seed: o.seed, users: o.users, fraudShare: o.fraudShare },
      shape: { kind: 'constant', ratePerSec: o.rate },
      durationMs: o.duration ?? UNTIL_STOPPED_MS,
      warmupMs: 0,
      engine: {},
      patterns: o.patterns,
      sinks: [],
      signal,
      drainTimeoutMs: 5000,
      effectiveConfig: ctx.effectiveConfig,
      onSnapshot: (s) =>
        status.emit(
          'status',
          `${fmtClock(s.uptimeS)}${o.duration ? ` / ${fmtClock(o.duration / 1000)}` : ''} · ${fmtCount(s.counters.consumed)} events processed`,
        ),
      onLive: (live) => {
        view = startAlertsView({ ...common, feed: live.processor, status, source });
        void view.done.then(() => quit.abort());
      },
    });
  } finally {
    (view as AlertsViewHandle | null)?.stop();
    await transport.close();
  }
  return ctx.signal.aborted ? EXIT.INTERRUPTED : EXIT.OK;
}

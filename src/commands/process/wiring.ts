import { writeFileSync } from 'node:fs';
import { EXIT, UsageError } from '../../errors.js';
import { describeCut } from '../../files/lines.js';
import { moneyFrom } from '../../events/currency.js';
import type { Sink } from '../../sinks/types.js';
import { FileProgress } from '../../pipeline/file-progress.js';
import { renderProcessSummary, type ProcessSummary } from '../../pipeline/summary.js';
import { onlyWith, typedFlags, type CommandContext, type OptionsOf } from '../define.js';
import { kafkaSecurityKeys } from '../settings.js';
import type { processSettings } from './index.js';
import { kafkaSecurityOptions, openTransport } from '../../transport/open.js';
import { buildSinks, storeSinkOptions } from '../../sinks/build.js';
import { sinkStatsOf } from '../../sinks/stats.js';
import { LatencyRecorders } from '../../reporting/histograms.js';
import { systemClock } from '../../time/clock.js';
import { assemblePipeline, engineConfigFrom, engineOverrides } from '../../pipeline/assemble.js';
import { FileRun } from '../../pipeline/file-run.js';
import { unreadViewWarnings } from '../../pipeline/task-spec.js';
import { LiveStats } from '../../pipeline/live-stats.js';
import { loadLiveView, startLiveView } from '../../ui/live-view.js';
import { startRunDashboard } from '../../ui/run-dashboard.js';
import { DeferredFeed } from '../../ui/deferred-feed.js';
import { changelogTopic, openCheckpointer, openTaskCheckpointer } from '../../checkpoint/open.js';
import { CHANGELOG_PARTITIONS, changelogTopicConfig } from '../../checkpoint/topic-store.js';
import { OutputRouter } from '../../checkpoint/buffer.js';
import type { EngineConfig } from '../../engine/config.js';
import type { KafkaTransport } from '../../transport/kafka/index.js';
import { inputTopicsOf, taskCount, type PipelineTopics } from '../../transport/topics.js';
import { chooseSinks, outputTopics, pipelineTopicsFrom } from '../preset-options.js';
import type { Transport } from '../../transport/types.js';
import { countersReport, type ScaleOutOptions } from '../../pipeline/processor.js';

type ProcessOptions = OptionsOf<typeof processSettings>;

/** Settings of a Kafka consumer group and its task threads, which file mode does not have. */
const KAFKA_ONLY: (keyof ProcessOptions)[] = [
  'group',
  'checkpointInterval',
  'checkpointStore',
  'checkpointDir',
  'scaleOut',
  'fetchMaxBytes',
  'fromBeginning',
  'threads',
];

export async function processCommand(o: ProcessOptions, ctx: CommandContext): Promise<number> {
  if (!o.brokers && !o.input) {
    throw new UsageError(
      'nothing to process: the embedded log lives inside one rtap process',
      'use --input <recording.jsonl[.gz]> (file mode), --brokers host:port (Kafka), or `rtap bench` to simulate and process in one process',
    );
  }
  if (o.input && o.brokers) throw new UsageError('--input (file mode) and --brokers cannot be combined');
  const kafkaOnly = o.input ? typedFlags(ctx, [...KAFKA_ONLY, ...kafkaSecurityKeys]) : [];
  if (kafkaOnly.length)
    throw new UsageError(
      `${onlyWith(kafkaOnly, '--brokers')}: file mode (--input) reads the recording once, on one thread, with no consumer group, checkpoints or broker`,
    );
  // The dashboard's money settings, checked before any work.
  const money = moneyFrom(o);
  const topics = pipelineTopicsFrom(o);
  const chosen = chooseSinks(ctx, 'process', o.sink);
  if (o.input) return fileMode(o, o.input, ctx, money, topics, chosen.used);
  const transport = await openTransport({
    brokers: o.brokers,
    ...kafkaSecurityOptions(o),
    topics,
    consumer: { maxBytesPerPartition: o.fetchMaxBytes },
  });
  warnUnusedCheckpointFlags(o, ctx);
  const output = o.output;
  const recorders = new LatencyRecorders();
  const engine = engineConfigFrom(engineOverrides(o));
  const changelogPartitions =
    o.brokers && o.checkpointInterval > 0 && o.checkpointStore === 'kafka'
      ? await ensureGroupTopic(transport, changelogTopic(o.group), CHANGELOG_PARTITIONS, changelogTopicConfig)
      : undefined;
  const scaleOut = o.scaleOut
    ? await scaleOutOptions(transport, o, engine, ctx.log, changelogPartitions, inputTopicsOf(topics))
    : undefined;
  // Kafka mode checkpoints by default: outputs to the topics then leave in the checkpoint's transaction.
  const checkpointer =
    o.brokers && !scaleOut
      ? openCheckpointer(transport, {
          group: o.group,
          intervalMs: o.checkpointInterval,
          store: o.checkpointStore,
          changelogPartitions,
          dir: o.checkpointDir,
          log: ctx.log,
          inputTopics: inputTopicsOf(topics),
        })
      : undefined;
  const sinks = await buildSinks(chosen.used, {
    transport,
    topics: outputTopics(topics),
    resultsProducer: scaleOut?.router ?? checkpointer?.outputs,
    output,
    influx: { url: o.influxUrl, token: o.influxToken, org: o.influxOrg, bucket: o.influxBucket },
    ...storeSinkOptions(o),
    onWriteLatency: (ms) => recorders.record('sink_write', ms), // per write request
  });
  if (sinks.length === 0)
    throw new UsageError(
      'no sink: give --output <file>, --parquet-dir <dir> or --sink topics|influx|postgres|mongo',
    );
  const processor = await assemblePipeline({
    transport,
    engine,
    patterns: o.patterns,
    sinks,
    recorders,
    clock: systemClock,
    topics,
    groupId: o.group,
    fromBeginning: o.fromBeginning,
    checkpointer,
    scaleOut,
    log: ctx.log,
    threads: o.threads,
  });
  // Scale-out logs each task it takes over instead.
  if (!scaleOut)
    processor.on('recovered', ({ seq, ms }) =>
      ctx.log(
        seq < 0
          ? `rtap process: no checkpoint for group '${o.group}': fresh start (${ms} ms)`
          : `rtap process: recovered checkpoint ${seq} of group '${o.group}' in ${ms} ms`,
      ),
    );
  const started = Date.now();
  // Recovery ends when input flows again: after the restore, the group join (a killed member's
  // session must expire first) and the first fetch.
  if (checkpointer || scaleOut)
    processor.once('batch', () =>
      ctx.log(`rtap process: processing resumed ${Date.now() - started} ms after start`),
    );
  try {
    {
      await loadLiveView(ctx.stderr, ctx.interactive && !ctx.json);
      const running = processor.start();
      const live = new LiveStats(processor, recorders, systemClock);
      live.start();
      let dashboard: Awaited<ReturnType<typeof startRunDashboard>> | null = null;
      if (o.dashboard !== undefined) {
        const { liveStatsFeed } = await import('../../dashboard/index.js');
        const feed = new DeferredFeed('rtap process');
        feed.attach(liveStatsFeed(live, `rtap process (${transport.description})`));
        dashboard = await startRunDashboard(o.dashboard, feed, money);
      }
      ctx.log(
        `rtap process: consuming from ${transport.description} as group '${o.group}' (${ctx.interactive ? 'q or ' : ''}Ctrl-C to stop)${dashboard ? `; dashboard at ${dashboard.url}` : ''}`,
      );
      // q in the live view, or Ctrl-C / SIGTERM: stop cleanly (final commit, leave the group).
      const quit = new AbortController();
      const stopped = AbortSignal.any([ctx.signal, quit.signal]);
      const view = startLiveView({
        live,
        title: 'rtap process',
        subtitle: transport.description,
        stdout: ctx.stderr,
        color: ctx.color,
        interactive: ctx.interactive && !ctx.json,
        onQuit: () => quit.abort(),
        onInterrupt: () => quit.abort(),
      });
      // The consumer loop also ends on its own when processing fails: then stop() below rethrows the
      // failure, so the process exits with it instead of idling on as if nothing happened.
      await new Promise<void>((resolve) => {
        stopped.addEventListener('abort', () => resolve(), { once: true });
        running.then(resolve, resolve);
      });
      view.stop();
      live.stop();
      await processor.stop();
      await running;
      await dashboard?.close();
    }
  } finally {
    for (const s of sinks) await s.close();
    await transport.close();
  }
  writeSummary(
    {
      ...countersReport(processor.counters),
      ...(checkpointer || scaleOut
        ? { checkpoints: processor.recovery.checkpoints, recovery_ms: processor.recovery.recoveryMs }
        : {}),
      // What each checkpoint cost (size, chunks written, encode and commit time): bench/checkpoint-size.ts.
      ...(checkpointer ? { checkpoint_log: checkpointer.stats.history } : {}),
      // The busy period: a backlog's drain rate is consumed / (last - first).
      first_batch_at: processor.activity.firstBatchAt || null,
      last_batch_at: processor.activity.lastBatchAt || null,
      elapsed_ms: Date.now() - started,
      outputs: outputNames(sinks),
      sinks: sinkStatsOf(sinks),
    },
    output,
    ctx,
  );
  return EXIT.OK;
}

const outputNames = (sinks: Sink[]) =>
  sinks.map((s) => (s.name === 'jsonl:stdout' ? '-' : s.name.replace(/^jsonl:/, '')));

/**
 * `--json`: the raw summary on stdout (on stderr when stdout carries the results); `--json <file>`
 * writes it there; otherwise the readable summary on stderr.
 */
function writeSummary(summary: ProcessSummary, output: string | undefined, ctx: CommandContext): void {
  const json = JSON.stringify(summary);
  if (ctx.jsonFile) writeFileSync(ctx.jsonFile, JSON.stringify(summary, null, 2) + '\n');
  if (ctx.json && output !== '-') ctx.stdout.write(json + '\n');
  else if (ctx.json) ctx.log(json);
  else ctx.log(renderProcessSummary(summary));
}

/** Checkpoint flags that do nothing with the others given: said, not refused (scripts pass them uniformly). */
function warnUnusedCheckpointFlags(o: ProcessOptions, ctx: CommandContext): void {
  const [unused, why] =
    o.checkpointInterval === 0
      ? [
          typedFlags(ctx, ['checkpointStore', 'checkpointDir']),
          '--checkpoint-interval 0 (no checkpoints: at-least-once)',
        ]
      : o.checkpointStore === 'kafka'
        ? [
            typedFlags(ctx, ['checkpointDir']),
            `--checkpoint-store kafka (the checkpoints are in the topic ${changelogTopic(o.group)})`,
          ]
        : [[], ''];
  if (unused.length)
    ctx.log(
      `rtap process: warning: ${unused.join(', ')} ${unused.length === 1 ? 'has' : 'have'} no effect with ${why}`,
    );
}

/**
 * File mode: the recording in its own order through one task runtime (file-run.ts); results, alerts and
 * dead letters to --output (stdout by default) or the other sinks. Deterministic: no early results unless
 * --early-interval asks for them (they depend on wall time).
 */
async function fileMode(
  o: ProcessOptions,
  input: string,
  ctx: CommandContext,
  money: ReturnType<typeof moneyFrom>,
  topics: PipelineTopics,
  sinkKinds: string[],
): Promise<number> {
  if (sinkKinds.includes('topics') && ctx.preset && !o.sink.includes('topics'))
    sinkKinds = sinkKinds.filter((k) => k !== 'topics');
  if (sinkKinds.includes('topics'))
    throw new UsageError(
      '--sink topics: file mode has no Kafka topics to write to',
      'use --output <file> (results, alerts and dead letters as JSON lines), --sink influx, or --brokers to run on Kafka',
    );
  if (o.idleTimeout !== undefined)
    ctx.log('rtap process: warning: --idle-timeout has no effect in file mode (a recording is never idle)');
  const recorders = new LatencyRecorders();
  const transport = await openTransport({});
  const output = o.output ?? (sinkKinds.length === 0 ? '-' : undefined);
  const sinks = await buildSinks(sinkKinds, {
    transport,
    output,
    influx: { url: o.influxUrl, token: o.influxToken, org: o.influxOrg, bucket: o.influxBucket },
    ...storeSinkOptions(o),
    onWriteLatency: (ms) => recorders.record('sink_write', ms),
  });
  const engine = engineConfigFrom({ ...engineOverrides(o), earlyInterval: o.earlyInterval ?? null });
  const spec = { engine, patterns: o.patterns, inputTopics: inputTopicsOf(topics) };
  for (const w of unreadViewWarnings(spec)) ctx.log(`rtap: warning: ${w}`);
  const run = new FileRun({
    path: input,
    engine: { ...engine, tasks: taskCount(spec.inputTopics.map((t) => topics.partitions[t] ?? 1)) },
    topics,
    patterns: o.patterns,
    sinks,
    recorders,
    clock: systemClock,
    signal: ctx.signal,
  });
  const started = Date.now();
  const live = new LiveStats(run, recorders, systemClock);
  let dashboard: Awaited<ReturnType<typeof startRunDashboard>> | null = null;
  const progress = new FileProgress(
    {
      read: () => run.progress().lines,
      readDone: () => false,
      processed: () => run.counters.consumed,
      fraction: () => {
        const p = run.progress();
        return p.totalBytes > 0 ? p.bytesRead / p.totalBytes : null;
      },
    },
    {
      file: input,
      stream: ctx.stderr,
      interactive: ctx.interactive && !ctx.json && Boolean(ctx.stderr.isTTY),
    },
  );
  try {
    if (o.dashboard !== undefined) {
      // Bound before any work, so a busy port fails at once.
      const { liveStatsFeed } = await import('../../dashboard/index.js');
      const feed = new DeferredFeed('rtap process');
      dashboard = await startRunDashboard(o.dashboard, feed, money);
      feed.attach(liveStatsFeed(live, `rtap process (${input})`));
      live.start();
      ctx.log(`rtap process: dashboard at ${dashboard.url}`);
    }
    progress.start();
    await run.run();
  } finally {
    progress.stop();
    for (const s of sinks) await s.close();
    await transport.close();
  }
  const cut = run.cut;
  writeSummary(
    {
      ...countersReport(run.counters),
      input: {
        file: input,
        records: run.progress().lines,
        cut: cut ? { line: cut.line, reason: cut.reason } : null,
      },
      elapsed_ms: Date.now() - started,
      outputs: outputNames(sinks),
      sinks: sinkStatsOf(sinks),
    },
    output,
    ctx,
  );
  if (cut) ctx.log(`rtap process: warning: ${describeCut(cut)}`);
  if (dashboard) {
    // The file is done, the dashboard shows its final state until the user is done looking.
    live.sample();
    ctx.log(`rtap process: input done; the dashboard at ${dashboard.url} stays up until Ctrl-C`);
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    live.stop();
    await dashboard.close();
  }
  return cut ? EXIT.FAILURE : EXIT.OK;
}

/**
 * Scale-out (--scale-out): the panes topic of the group (created on first use), every task number, and
 * a checkpointer per task under --checkpoint-dir.
 */
async function scaleOutOptions(
  transport: Transport,
  o: ProcessOptions,
  engine: EngineConfig,
  log: (line: string) => void,
  changelogPartitions: number | undefined,
  inputTopics: string[],
): Promise<ScaleOutOptions> {
  if (transport.kind !== 'kafka')
    throw new UsageError('--scale-out needs --brokers: the processes share the work through Kafka');
  if (o.checkpointInterval <= 0)
    throw new UsageError(
      '--scale-out needs checkpoints (--checkpoint-interval > 0): tasks move between processes with their checkpointed state',
    );
  const admin = transport.admin();
  const inputs = await admin.describeTopics(inputTopics);
  const panesTopic = `${o.group}-panes`;
  // One partition: one merge task; its input is a few records per pane and checkpoint, not the events.
  await ensureGroupTopic(transport, panesTopic, 1, { 'retention.ms': String(7 * 86_400_000) });
  const counts = inputs.map((t) => t.partitions);
  const units = taskCount(counts);
  if (units < 2)
    log(
      `rtap process: warning: the input topics' partition counts (${inputs.map((t) => `${t.name} ${t.partitions}`).join(', ')}) have no common divisor above 1: one task, so one process does all the work`,
    );
  const settings = {
    group: o.group,
    intervalMs: o.checkpointInterval,
    store: o.checkpointStore,
    changelogPartitions,
    dir: o.checkpointDir,
    log,
  };
  return {
    panesTopic,
    intervalMs: o.checkpointInterval,
    units,
    engine: { ...engine, tasks: units },
    router: new OutputRouter(),
    openCheckpointer: (task, topics, owns) =>
      openTaskCheckpointer(transport as KafkaTransport, settings, task, topics, owns),
  };
}

/**
 * Creates a topic of the group's own (panes, checkpoint changelog) unless it exists; racing processes are
 * fine. Returns its partition count: one created by someone else may differ from `partitions`.
 */
async function ensureGroupTopic(
  transport: Transport,
  name: string,
  partitions: number,
  config: Record<string, string>,
): Promise<number> {
  const admin = transport.admin();
  if (!(await admin.listTopics()).includes(name))
    await admin
      .createTopics([{ name, partitions, replicationFactor: Math.min(3, await admin.brokerCount()), config }])
      .catch((err: Error) => {
        if (!/already exists/i.test(err.message)) throw err;
      });
  // Created by another process a moment ago: its metadata may not have reached every broker yet.
  for (let wait = 100; ; wait *= 2) {
    try {
      return (await admin.describeTopics([name]))[0].partitions;
    } catch (err) {
      if (wait > 3200 || !/unknown topic/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

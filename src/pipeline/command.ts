import { EXIT, UsageError } from '../errors.js';
import type { CommandContext, OptionsOf } from '../commands/define.js';
import type { processSettings } from '../commands/process.js';
import { kafkaSecurityOptions, openTransport } from '../transport/open.js';
import { buildSinks, storeSinkOptions } from '../sinks/build.js';
import { LatencyRecorders } from '../reporting/histograms.js';
import { systemClock } from '../time/clock.js';
import { assemblePipeline, engineConfigFrom, engineOverrides } from './assemble.js';
import { loadRecording } from './file-input.js';
import { LiveStats } from './live-stats.js';
import { loadLiveView, startLiveView } from '../ui/live-view.js';
import { startRunDashboard } from '../ui/run-command.js';
import { DeferredFeed } from '../ui/deferred-feed.js';
import { changelogTopic, openCheckpointer, openTaskCheckpointer } from '../checkpoint/open.js';
import { CHANGELOG_PARTITIONS, changelogTopicConfig } from '../checkpoint/topic-store.js';
import { OutputRouter } from '../checkpoint/buffer.js';
import type { EngineConfig } from '../engine/config.js';
import type { KafkaTransport } from '../transport/kafka/index.js';
import { INPUT_TOPICS, taskCount } from '../transport/topics.js';
import type { Transport } from '../transport/types.js';
import { countersReport, type ScaleOutOptions } from './processor.js';

type ProcessOptions = OptionsOf<typeof processSettings>;

export async function processCommand(o: ProcessOptions, ctx: CommandContext): Promise<number> {
  if (!o.brokers && !o.input) {
    throw new UsageError(
      'nothing to process: the embedded log lives inside one rtap process',
      'use --input <recording.jsonl[.gz]> (file mode), --brokers host:port (Kafka), or `rtap bench` to simulate and process in one process',
    );
  }
  if (o.input && o.brokers) throw new UsageError('--input (file mode) and --brokers cannot be combined');
  const transport = await openTransport({ brokers: o.brokers, ...kafkaSecurityOptions(o) });
  const output = o.output ?? (o.input && o.sink.length === 0 ? '-' : undefined);
  const recorders = new LatencyRecorders();
  const engine = engineConfigFrom({
    ...engineOverrides(o),
    idleTimeout: o.idleTimeout ?? (o.input ? 24 * 3_600_000 : undefined),
  });
  const changelogPartitions =
    o.brokers && o.checkpointInterval > 0 && o.checkpointStore === 'kafka'
      ? await ensureGroupTopic(transport, changelogTopic(o.group), CHANGELOG_PARTITIONS, changelogTopicConfig)
      : undefined;
  const scaleOut = o.scaleOut
    ? await scaleOutOptions(transport, o, engine, ctx.log, changelogPartitions)
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
        })
      : undefined;
  const sinks = await buildSinks(o.sink, {
    transport,
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
  const processor = assemblePipeline({
    transport,
    // File mode reads as fast as it can: a partition starved for a moment by the read order is not idle,
    // and the end of the file closes every window (drain), so idleness must not advance the watermark.
    engine,
    patterns: o.patterns,
    sinks,
    recorders,
    clock: systemClock,
    groupId: o.group,
    fromBeginning: o.input ? true : o.fromBeginning,
    checkpointer,
    scaleOut,
    log: ctx.log,
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
    if (o.input) {
      const loaded = await loadRecording(o.input, transport.producer());
      const running = processor.start();
      while (processor.counters.consumed < loaded && !ctx.signal.aborted) await systemClock.sleep(5);
      await processor.drain();
      await processor.stop();
      await running;
    } else {
      await loadLiveView(ctx.stderr, ctx.interactive && !ctx.json);
      const running = processor.start();
      const live = new LiveStats(processor, recorders, systemClock);
      live.start();
      let dashboard: Awaited<ReturnType<typeof startRunDashboard>> | null = null;
      if (o.dashboard !== undefined) {
        const { liveStatsFeed } = await import('../dashboard/index.js');
        const feed = new DeferredFeed('rtap process');
        feed.attach(liveStatsFeed(live, `rtap process (${transport.description})`));
        dashboard = await startRunDashboard(o.dashboard, feed);
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
  const c = processor.counters;
  const summary = {
    ...countersReport(c),
    ...(checkpointer || scaleOut
      ? { checkpoints: processor.recovery.checkpoints, recovery_ms: processor.recovery.recoveryMs }
      : {}),
  };
  if (ctx.jsonFile)
    (await import('node:fs')).writeFileSync(ctx.jsonFile, JSON.stringify(summary, null, 2) + '\n');
  ctx.log(`rtap process: ${JSON.stringify(summary)}`);
  return EXIT.OK;
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
): Promise<ScaleOutOptions> {
  if (transport.kind !== 'kafka')
    throw new UsageError('--scale-out needs --brokers: the processes share the work through Kafka');
  if (o.checkpointInterval <= 0)
    throw new UsageError(
      '--scale-out needs checkpoints (--checkpoint-interval > 0): tasks move between processes with their checkpointed state',
    );
  const admin = transport.admin();
  const inputs = await admin.describeTopics(INPUT_TOPICS);
  const panesTopic = `${o.group}-panes`;
  // One partition: one merge task; its input is a few records per pane and checkpoint, not the events.
  await ensureGroupTopic(transport, panesTopic, 1, { 'retention.ms': String(7 * 86_400_000) });
  const counts = inputs.map((t) => t.partitions);
  const units = taskCount(counts);
  if (units < 2)
    log(
      `rtap process: warning: the input topics' partition counts (${inputs.map((t) => `${t.name} ${t.partitions}`).join(', ')}) have no common divisor above 1: one task, so one process does all the work`,
    );
  const tasks = Array.from({ length: Math.max(...counts) }, (_, i) => i);
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
    tasks,
    engine,
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

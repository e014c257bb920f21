import { writeFileSync } from 'node:fs';
import { onlyWith, typedFlags, type CommandContext, type OptionsOf } from '../define.js';
import type { simulateSettings } from './index.js';
import { UsageError } from '../../errors.js';
import { newHistogram, summarize, type LatencySummary } from '../../reporting/histograms.js';
import { parseLoadShape } from '../../bench/load-shape.js';
import { systemClock } from '../../time/clock.js';
import { kafkaSecurityOptions, openTransport } from '../../transport/open.js';
import { defaultSimulatorConfig, type SimulatorConfig } from '../../simulator/config.js';
import { parseBursts } from '../../simulator/flags.js';
import { loadConfigFrom, trafficConfigFrom } from '../simulator-options.js';
import { createGenerator } from '../../simulator/generator.js';
import { pacingFromSpec } from '../../simulator/pacing-spec.js';
import { usableThreads } from '../../simulator/sharding.js';
import type { PacingSpec } from '../../simulator/thread-protocol.js';
import { runThreads, threadsForTopics } from '../../simulator/threads.js';
import {
  runOpenLoop,
  type PacingHooks,
  type PacingOptions,
  type RunSummary,
} from '../../simulator/pacing.js';
import { pipelineTopicsFrom, simulatorTopics } from '../preset-options.js';
import { isCsvPath } from '../../simulator/csv.js';
import { RecordingWriter, replay, writeRecording } from '../../simulator/recording.js';
import { generateRecords } from '../../simulator/unpaced.js';
import { describeCut, type InputCut } from '../../files/lines.js';

type Options = OptionsOf<typeof simulateSettings>;

/** What shapes a simulated stream; a replay re-sends a recorded one, so these do nothing there. */
const GENERATOR_ONLY: (keyof Options)[] = [
  'seed',
  'rate',
  'duration',
  'mix',
  'users',
  'lateShare',
  'lateDelay',
  'duplicateShare',
  'malformedShare',
  'shards',
  'threads',
  'profile',
  'bursts',
  'sessionTimeout',
  'bounceShare',
  'bounceSpike',
  'fraudShare',
  'premiumShare',
  'startTime',
  'live',
];
/** What only a replay reads. */
const REPLAY_ONLY: (keyof Options)[] = ['speed', 'eventTime'];

/** Flags the chosen mode would ignore are refused, each named. */
function checkMode(o: Options, ctx: CommandContext): void {
  if (o.replay) {
    const ignored = typedFlags(ctx, GENERATOR_ONLY);
    if (ignored.length)
      throw new UsageError(
        `${ignored.join(', ')} cannot be combined with --replay: a replay re-sends the recorded stream as it is`,
        'pace a replay with --speed, cut it with --events',
      );
  } else {
    const ignored = typedFlags(ctx, REPLAY_ONLY);
    if (ignored.length) throw new UsageError(onlyWith(ignored, '--replay'));
  }
}

/** How far ahead a live run's schedule starts: generator threads build their shards and connect meanwhile. */
const LIVE_START_MS = 1500;

/** The simulator configuration the flags describe. */
export function simulatorConfigFrom(o: Options): SimulatorConfig {
  return {
    ...defaultSimulatorConfig(),
    ...loadConfigFrom(o),
    ...trafficConfigFrom(o),
    topics: simulatorTopics(pipelineTopicsFrom(o)),
    startTime: o.startTime,
    // Start with as many sessions in progress as the rate sustains.
    warmStartRatePerSec: o.rate,
  };
}

/** The schedule the flags describe, as plain data (generator threads rebuild it). */
function pacingSpecFrom(o: Options): PacingSpec {
  const pacing: PacingSpec = { ratePerSec: o.rate, durationMs: o.duration, events: o.events };
  if (o.bursts) pacing.profile = parseBursts(o.bursts);
  else if (o.profile !== 'constant') {
    const shape = parseLoadShape(o.profile, o.rate);
    const total = o.duration ?? (o.events ? (o.events / shape.ratePerSec) * 1000 : undefined);
    if (total === undefined)
      throw new UsageError(`--profile ${o.profile} needs --duration (or --events) to spread the shape over`);
    pacing.shape = { shape, totalMs: total };
  }
  return pacing;
}

function pacingFrom(o: Options): PacingOptions {
  return pacingFromSpec(pacingSpecFrom(o));
}

interface Report {
  mode: 'record' | 'live' | 'replay';
  transport: string | null;
  out: string | null;
  records: number;
  by_topic: Record<string, number>;
  malformed: number;
  duplicates: number;
  late: number;
  elapsed_ms: number;
  achieved_rate_per_sec: number | null;
  failed: number;
  publish_delay_ms: LatencySummary | null;
  ack_latency_ms: LatencySummary | null;
}

function print(report: Report, ctx: CommandContext): void {
  if (ctx.jsonFile) writeFileSync(ctx.jsonFile, JSON.stringify(report, null, 2) + '\n');
  if (ctx.json) {
    ctx.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  const lines = [
    `${report.mode}: ${report.records} records${report.out ? ` → ${report.out}` : ''}${report.transport ? ` via ${report.transport}` : ''} in ${(report.elapsed_ms / 1000).toFixed(1)}s`,
    `  by topic: ${Object.entries(report.by_topic)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ')}`,
    `  injected: ${report.malformed} malformed, ${report.duplicates} duplicates, ${report.late} late`,
  ];
  if (report.achieved_rate_per_sec !== null)
    lines.push(
      `  achieved rate: ${report.achieved_rate_per_sec.toFixed(1)}/s, failed sends: ${report.failed}`,
    );
  const fmt = (s: LatencySummary) => `p50 ${s.p50} p90 ${s.p90} p99 ${s.p99} p99.9 ${s.p999} max ${s.max} ms`;
  if (report.publish_delay_ms) lines.push(`  publish delay: ${fmt(report.publish_delay_ms)}`);
  if (report.ack_latency_ms) lines.push(`  ack latency:   ${fmt(report.ack_latency_ms)}`);
  ctx.log(lines.join('\n'));
}

async function recordUnpaced(o: Options, out: string, ctx: CommandContext): Promise<Report> {
  if (o.events === undefined && o.duration === undefined)
    throw new UsageError('--out without --live needs --events or --duration (how much to generate)');
  const config = simulatorConfigFrom(o);
  const threads = usableThreads(o.threads, config.shards);
  if (threads > 1) return recordThreaded(o, config, threads, out, ctx);
  const t0 = performance.now();
  const byTopic: Record<string, number> = {};
  let malformed = 0;
  let duplicates = 0;
  let late = 0;
  const records = (function* () {
    for (const x of generateRecords(config, pacingFrom(o))) {
      byTopic[x.record.topic] = (byTopic[x.record.topic] ?? 0) + 1;
      if (!x.record.event) malformed++;
      if (x.record.duplicate) duplicates++;
      if (x.record.late) late++;
      yield x;
    }
  })();
  ctx.log(
    `rtap simulate: generating ${o.events ?? `${o.duration! / 1000}s of`} events (seed ${o.seed}, ${o.mix}) → ${out}`,
  );
  const n = await writeRecording(out, records);
  return {
    mode: 'record',
    transport: null,
    out,
    records: n,
    by_topic: byTopic,
    malformed,
    duplicates,
    late,
    elapsed_ms: Math.round(performance.now() - t0),
    achieved_rate_per_sec: null,
    failed: 0,
    publish_delay_ms: null,
    ack_latency_ms: null,
  };
}

/** Unpaced recording on generator threads: their lines merged back in schedule order into one file. */
async function recordThreaded(
  o: Options,
  config: SimulatorConfig,
  threads: number,
  out: string,
  ctx: CommandContext,
): Promise<Report> {
  ctx.log(
    `rtap simulate: generating ${o.events ?? `${o.duration! / 1000}s of`} events (seed ${o.seed}, ${o.mix}) on ${threads} threads → ${out}`,
  );
  const t0 = performance.now();
  const writer = new RecordingWriter(out);
  let s: RunSummary;
  try {
    s = await runThreads(
      {
        threads,
        config,
        pacing: pacingSpecFrom(o),
        transport: null,
        clientId: 'rtap-simulate',
        lines: 'recording',
      },
      { signal: ctx.signal, onLine: (line) => writer.addLine(line), afterLines: () => writer.drain() },
    );
  } finally {
    await writer.close();
  }
  return {
    mode: 'record',
    transport: null,
    out,
    records: writer.records,
    by_topic: s.byTopic,
    malformed: s.malformed,
    duplicates: s.duplicates,
    late: s.late,
    elapsed_ms: Math.round(performance.now() - t0),
    achieved_rate_per_sec: null,
    failed: 0,
    publish_delay_ms: null,
    ack_latency_ms: null,
  };
}

export async function simulateCommand(o: Options, ctx: CommandContext): Promise<number> {
  checkMode(o, ctx);
  if (o.replay && o.out)
    throw new UsageError('--replay and --out cannot be combined (a recording is already a recording)');
  if (o.out && isCsvPath(o.out) && o.malformedShare > 0)
    throw new UsageError(
      `--out ${o.out}: a CSV recording holds events only, not malformed records`,
      'use a .jsonl[.gz] recording with --malformed-share, or --malformed-share 0',
    );
  if (o.out && !o.brokers && !o.live && !o.replay) {
    print(await recordUnpaced(o, o.out, ctx), ctx);
    return 0;
  }
  if (!o.replay && o.events === undefined && o.duration === undefined)
    ctx.log('rtap simulate: no --duration or --events: sending until interrupted (Ctrl-C)');
  const topics = pipelineTopicsFrom(o);
  const transport = await openTransport({ brokers: o.brokers, ...kafkaSecurityOptions(o), topics });
  const producer = transport.producer({ clientId: 'rtap-simulate' });
  const publish = newHistogram();
  const ack = newHistogram();
  const writer = o.out ? new RecordingWriter(o.out) : null;
  const hooks: PacingHooks = {
    signal: ctx.signal,
    onPublished(intended, sentAt, ackedAt, count) {
      publish.recordValueWithCount(Math.max(0, Math.round((sentAt - intended) * 1000)), count);
      ack.recordValueWithCount(Math.max(0, Math.round((ackedAt - sentAt) * 1000)), count);
    },
    onRecord: writer ? (record, intended) => writer.add(record, intended) : undefined,
    onProgress(p) {
      void writer?.drain();
      const line = `sent ${p.sent} acked ${p.acked} failed ${p.failed} in ${(p.elapsedMs / 1000).toFixed(0)}s${p.behindMs > 100 ? `, ${p.behindMs.toFixed(0)} ms behind schedule` : ''}`;
      if (ctx.interactive && !ctx.json) ctx.stderr.write(`\r\x1b[2K${line}`);
      else if (Math.round(p.elapsedMs / 1000) % 5 === 0) ctx.log(line);
    },
  };
  let summary: RunSummary;
  let mode: Report['mode'];
  let cut: InputCut | null = null;
  try {
    if (o.replay) {
      mode = 'replay';
      ctx.log(
        `rtap simulate: replaying ${o.replay} at ${o.speed === 'max' ? 'maximum speed' : `${o.speed}x`} via ${transport.description}`,
      );
      summary = await replay(
        o.replay,
        producer,
        {
          speed: o.speed,
          topics: simulatorTopics(topics),
          encoding: o.encoding,
          events: o.events,
          eventTime: o.eventTime,
          onCut: (c) => (cut = c),
        },
        systemClock,
        hooks,
      );
    } else {
      mode = 'live';
      // The model's timeline starts where the schedule does, a whole millisecond a moment ahead (time to
      // build the shards and connect), so the events are a function of the flags alone, whatever the
      // thread count: the same keys in the same order in every partition.
      const origin = Math.ceil(systemClock.now()) + LIVE_START_MS;
      const config = { ...simulatorConfigFrom(o), startTime: origin };
      const threads = o.brokers
        ? await threadsForTopics(o.threads, config, transport.admin(), (m) => ctx.log(`rtap simulate: ${m}`))
        : 1;
      ctx.log(
        `rtap simulate: ${o.mix} traffic at ${o.rate}/s via ${transport.description}${threads > 1 ? ` on ${threads} generator threads` : ''}${o.out ? `, recording to ${o.out}` : ''}`,
      );
      summary =
        threads > 1
          ? await runThreads(
              {
                threads,
                config,
                pacing: pacingSpecFrom(o),
                transport: { brokers: o.brokers, ...kafkaSecurityOptions(o) },
                clientId: 'rtap-simulate',
                lines: writer ? 'recording' : undefined,
                origin,
              },
              { ...hooks, onLine: writer ? (line) => writer.addLine(line) : undefined },
            )
          : await runOpenLoop(
              createGenerator(config),
              producer,
              { ...pacingFrom(o), origin },
              systemClock,
              hooks,
            );
    }
    await producer.flush();
  } finally {
    if (ctx.interactive && !ctx.json) ctx.stderr.write('\r\x1b[2K');
    await writer?.close();
    await producer.close();
    await transport.close();
  }
  print(
    {
      mode,
      transport: transport.description,
      out: o.out ?? null,
      records: summary.sent,
      by_topic: summary.byTopic,
      malformed: summary.malformed,
      duplicates: summary.duplicates,
      late: summary.late,
      elapsed_ms: Math.round(summary.elapsedMs),
      achieved_rate_per_sec: Math.round(summary.achievedRatePerSec * 100) / 100,
      failed: summary.failed,
      publish_delay_ms: summary.acked ? summarize(publish) : null,
      ack_latency_ms: summary.acked ? summarize(ack) : null,
    },
    ctx,
  );
  if (cut) {
    ctx.log(`rtap simulate: warning: ${describeCut(cut)}`);
    return 1;
  }
  if (summary.failed > 0) {
    ctx.log(
      `rtap simulate: ${summary.failed} records could not be sent (first error: ${summary.firstError})`,
    );
    return 1;
  }
  return 0;
}

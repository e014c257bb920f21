import { cpus } from 'node:os';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createGenerator,
  defaultSimulatorConfig,
  runOpenLoop,
  type SimulatorConfig,
} from '../simulator/index.js';
import { assemblePipeline, engineConfigFrom, type EngineOverrides } from '../pipeline/assemble.js';
import { countersReport, type Processor } from '../pipeline/processor.js';
import { HistogramLogWriter } from 'hdr-histogram-js';
import { LATENCY_NAMES, LatencyRecorders } from '../reporting/histograms.js';
import { LiveStats, type LiveSnapshot } from '../pipeline/live-stats.js';
import { e2eByViewSection, latencySection, type BenchReport, type IntervalRow } from '../reporting/report.js';
import { ResourceMonitor } from '../reporting/resources.js';
import { sinkStatsOf } from '../sinks/stats.js';
import type { Sink } from '../sinks/types.js';
import { systemClock, type Clock } from '../time/clock.js';
import type { Transport } from '../transport/types.js';
import type { PipelineTopics } from '../transport/topics.js';
import { PACKAGE_ROOT } from '../paths.js';
import type { AnalyticsEvent } from '../events/types.js';
import type { ViewResult } from '../events/results.js';
import { runThreads, threadsForTopics, type ThreadedRun } from '../simulator/threads.js';
import { verifyResults } from './check.js';
import type { LoadShape } from './load-shape.js';
import { rateAt } from './load-shape.js';

/** Events/s one generator thread sends with room to spare: about half its ceiling (docs/kafka.md). */
const GENERATOR_RATE_PER_THREAD = 25_000;

export interface BenchOptions {
  transport: Transport;
  /** Where latencies go; sinks built by the caller record their write latency here too. */
  recorders?: LatencyRecorders;
  simulator: Partial<SimulatorConfig>;
  shape: LoadShape;
  durationMs: number;
  warmupMs: number;
  engine: EngineOverrides;
  patterns?: string[];
  /** Worker threads of the processor's tasks (default 1). */
  threads?: number;
  sinks: Sink[];
  injectStall?: { afterMs: number; durationMs: number };
  /** How long to wait after the load stops for the processor to catch up before giving up. */
  drainTimeoutMs?: number;
  clock?: Clock;
  /** Called once a second with the latest sample. */
  onSnapshot?(snapshot: LiveSnapshot): void;
  /** Lets a live view subscribe to the sampler (and through it the processor's results and alerts). */
  onLive?(live: LiveStats): void;
  signal?: AbortSignal;
  effectiveConfig: BenchReport['meta']['config'];
  /** --check: verify final results against an independent recomputation over the produced events. */
  check?: boolean;
  /** Receives HdrHistogram interval-log text (--hdr-log). */
  hdrLog?: (text: string) => void;
  /** What the run does after the load stops, for people waiting on it (see BenchPhase). */
  onPhase?(phase: BenchPhase): void;
  /** The processor's notices (a refused offset commit, ...). */
  log?: (line: string) => void;
  /**
   * Generator threads, at most (--threads; the peak rate decides how many; simulator/threads.ts), the
   * same stream for any count: on Kafka each
   * with a producer of its own from `transport` options, on the embedded log relaying its records to
   * this thread's producer (the log lives here), so generation and encoding leave the main thread.
   */
  generator?: { threads: number; transport: Exclude<ThreadedRun['transport'], 'relay' | null> };
  /** The pipeline's topics (a topology file); the reference topology by default. The simulator's own
   * `topics` say where it sends. */
  topics?: PipelineTopics;
}

/**
 * The steps after the load: catching up with the log, then the end of input (every open window closes,
 * every pending pattern timeout fires), then the sinks close.
 */
export type BenchPhase =
  | { kind: 'catching-up'; lag: number; elapsedMs: number }
  | { kind: 'draining'; elapsedMs: number }
  | { kind: 'closing-sinks'; elapsedMs: number }
  | { kind: 'done'; elapsedMs: number };

export interface BenchRun {
  report: BenchReport;
  processor: Processor;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: PACKAGE_ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

/**
 * One bench run: the processor consumes while the open-loop generator produces for warm-up + duration;
 * then the processor catches up, the engine drains, and the report is assembled from the HDR recorders.
 */
export async function runBench(o: BenchOptions): Promise<BenchRun> {
  const clock = o.clock ?? systemClock;
  const recorders = o.recorders ?? new LatencyRecorders();
  const resources = new ResourceMonitor();
  const startedAt = new Date();
  const processor = await assemblePipeline({
    transport: o.transport,
    engine: engineConfigFrom(o.engine),
    patterns: o.patterns,
    sinks: o.sinks,
    recorders,
    clock,
    injectStall: o.injectStall,
    fromBeginning: false,
    topics: o.topics,
    groupId: `rtap-bench-${process.pid}-${Date.now()}`,
    threads: o.threads,
    log: o.log,
  });
  // --check keeps what it needs to recompute: every produced event, the engine's late ones, the finals.
  const producedEvents: AnalyticsEvent[] = [];
  const lateIds = new Set<string>();
  const finals: ViewResult[] = [];
  // Alerts the end of input raised are no matches of the load: the CEP flush fires every pending timeout
  // as if elapsed (a 30-minute cart_abandonment after a 30 s run), and rules see the partial windows the
  // drain closes. Counted apart, by pattern.
  const endOfInputAlerts: Record<string, number> = {};
  let draining = false;
  processor.on('alert', (a) => {
    if (a.at_end_of_input || draining) endOfInputAlerts[a.pattern] = (endOfInputAlerts[a.pattern] ?? 0) + 1;
  });
  if (o.check) {
    processor.on('late', (e) => lateIds.add(e.event_id));
    processor.on('result', (r) => {
      if (r.emit === 'final') finals.push(r);
    });
  }
  resources.start();
  // A processor that fails (the broker gone, a topic deleted) ends the load too: the error is the result.
  const failed: { err?: Error } = {};
  const stopLoad = new AbortController();
  const consuming = processor.start().catch((err: Error) => {
    failed.err = err;
    stopLoad.abort();
  });
  const signal = o.signal ? AbortSignal.any([o.signal, stopLoad.signal]) : stopLoad.signal;
  // Give the consumer a moment to join and position itself at the log end before load starts.
  await clock.sleep(o.transport.kind === 'kafka' ? 3000 : 10);

  // Warm start sized for the real rate, so a fast run does not begin as a wave of brand-new sessions.
  const simConfig: SimulatorConfig = {
    ...defaultSimulatorConfig(),
    warmStartRatePerSec: o.shape.ratePerSec,
    ...o.simulator,
    startTime: Math.floor(clock.now()),
  };
  const producer = o.transport.producer({ clientId: 'rtap-bench' });
  let produced = 0;
  let measured = 0;
  const intervals: IntervalRow[] = [];
  let loadStart = clock.now();
  recorders.measureFrom = loadStart + o.warmupMs;
  const live = new LiveStats(processor, recorders, clock, { produced: () => produced });
  live.on('snapshot', (snap) => {
    intervals.push({
      t: snap.uptimeS,
      produced: Math.round(snap.producedPerSec ?? 0),
      consumed: Math.round(snap.consumedPerSec),
      lag: snap.lag.total,
      latency: snap.latency,
      resources: resources.takeInterval(),
    });
    o.onSnapshot?.(snap);
  });
  if (o.hdrLog) {
    const writer = new HistogramLogWriter(o.hdrLog);
    writer.outputLogFormatVersion();
    writer.outputComment(
      `rtap bench interval log; values in microseconds; tags are latency names (${LATENCY_NAMES.join(', ')})`,
    );
    writer.outputStartTime(loadStart);
    writer.baseTime = loadStart;
    writer.outputLegend();
    live.on('interval', (histograms, { startMs, endMs }) => {
      for (const [name, h] of histograms) {
        if (h.totalCount === 0) continue;
        h.tag = name;
        writer.outputIntervalHistogram(h, (startMs - loadStart) / 1000, (endMs - loadStart) / 1000, 1000);
      }
    });
  }
  live.start();
  o.onLive?.(live);

  const totalMs = o.warmupMs + o.durationMs;
  const onPublished = (intended: number, sentAt: number, ackedAt: number, count: number) => {
    produced += count;
    if (intended >= recorders.measureFrom) measured += count;
    recorders.recordFrom('publish', intended, sentAt, count);
    if (intended >= recorders.measureFrom) recorders.record('ack', ackedAt - sentAt, count);
  };
  // Generator threads: as many as the peak rate needs, up to --threads; one is a worker thread too, so the
  // main thread (consumer, merge step, delivery) never generates. Each thread beyond what the rate needs
  // cost CPU (its own producer sends smaller requests, which the broker pays for too): at 20k/s on 2
  // cores, a second one took about 0.2 of a core (bench process and broker) from what it measured.
  const threads =
    o.generator && clock === systemClock
      ? await threadsForTopics(
          Math.min(o.generator.threads, Math.ceil(o.shape.ratePerSec / GENERATOR_RATE_PER_THREAD)),
          simConfig,
          o.transport.admin(),
          () => {},
        )
      : 0;
  const summary =
    threads > 0
      ? await runThreads(
          {
            threads,
            config: simConfig,
            pacing: {
              ratePerSec: o.shape.ratePerSec,
              durationMs: totalMs,
              shape: { shape: o.shape, totalMs },
            },
            transport: o.transport.kind === 'kafka' ? o.generator!.transport : 'relay',
            relay: producer,
            clientId: 'rtap-bench',
            lines: o.check ? 'events' : undefined,
          },
          {
            signal,
            onPublished,
            // The threads' schedule starts once each has built its shards and connected.
            onStart: (origin) => {
              loadStart = origin;
              recorders.measureFrom = origin + o.warmupMs;
            },
            onLine: o.check ? (line) => void (line && producedEvents.push(JSON.parse(line))) : undefined,
          },
        )
      : await (async () => {
          const generator = createGenerator(simConfig);
          // The schedule starts once the generator is built (its users): throughput and the warm-up count from there.
          loadStart = clock.now();
          recorders.measureFrom = loadStart + o.warmupMs;
          return runOpenLoop(
            generator,
            producer,
            {
              origin: loadStart,
              ratePerSec: o.shape.ratePerSec,
              durationMs: totalMs,
              rateAt: (ms: number) => rateAt(o.shape, ms, totalMs),
            },
            clock,
            {
              signal,
              onRecord: o.check
                ? (record) => void (record.event && producedEvents.push(record.event))
                : undefined,
              onPublished,
            },
          );
        })();
  const loadEnd = clock.now();
  const throwIfFailed = async (): Promise<void> => {
    if (!failed.err) return;
    live.stop();
    resources.stop();
    await producer.close().catch(() => undefined);
    for (const s of o.sinks) await s.close().catch(() => undefined);
    await processor.stop().catch(() => undefined);
    throw failed.err;
  };
  await throwIfFailed();
  await producer.flush();

  // Catch up: every produced record consumed (or the drain timeout, which the report shows as lag).
  const deadline = clock.now() + (o.drainTimeoutMs ?? 30_000);
  const since = (t: number) => Math.round(clock.now() - t);
  let told = -Infinity;
  while (processor.counters.consumed < summary.sent && clock.now() < deadline && !signal.aborted) {
    if (clock.now() - told >= 5000) {
      told = clock.now();
      o.onPhase?.({
        kind: 'catching-up',
        lag: summary.sent - processor.counters.consumed,
        elapsedMs: since(loadEnd),
      });
    }
    await clock.sleep(20);
  }
  await throwIfFailed();
  live.stop();
  recorders.recording = false; // windows closed by end-of-input say nothing about latency
  o.onPhase?.({ kind: 'draining', elapsedMs: since(loadEnd) });
  draining = true;
  await processor.drain();
  await processor.stop();
  await consuming;
  o.onPhase?.({ kind: 'closing-sinks', elapsedMs: since(loadEnd) });
  await producer.close();
  for (const s of o.sinks) await s.close();
  o.onPhase?.({ kind: 'done', elapsedMs: since(loadEnd) });
  const res = resources.stop();

  const c = processor.counters;
  const measuredSeconds = (loadEnd - loadStart - o.warmupMs) / 1000;
  const achieved = measuredSeconds > 0 ? measured / measuredSeconds : 0;
  const target =
    o.shape.kind === 'constant' ? o.shape.ratePerSec : summary.scheduled / ((loadEnd - loadStart) / 1000);
  const publish = recorders.summary('publish');
  // The generator held its schedule if it sent ≥ 99 % of what the schedule called for and its publish
  // delay stayed bounded (p99 under a second): otherwise latencies would describe a lighter load.
  const scheduleHeld = summary.sent >= 0.99 * summary.scheduled && publish.p99 < 1000;
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  const report: BenchReport = {
    rtap_report: 1,
    meta: {
      rtap_version: pkg.version,
      git_commit: gitCommit(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpus().length,
      cpu_model: cpus()[0]?.model ?? 'unknown',
      started_at: startedAt.toISOString(),
      finished_at: new Date().toISOString(),
      transport: o.transport.description,
      config: o.effectiveConfig,
    },
    load: {
      profile: o.shape.kind,
      target_rate_per_sec: Math.round(target * 100) / 100,
      duration_ms: o.durationMs,
      warmup_ms: o.warmupMs,
      produced: summary.sent,
      measured,
      achieved_rate_per_sec: Math.round(achieved * 100) / 100,
      schedule_held: scheduleHeld,
      schedule_note: scheduleHeld
        ? 'the generator sent every scheduled event with bounded publish delay'
        : `the generator fell behind: sent ${summary.sent} of ${summary.scheduled} scheduled, publish delay p99 ${publish.p99} ms`,
    },
    pipeline: {
      ...countersReport(c),
      alerts: c.alerts - sum(Object.values(endOfInputAlerts)),
      alerts_at_end_of_input: sum(Object.values(endOfInputAlerts)),
      alerts_at_end_of_input_by_pattern: endOfInputAlerts,
      max_lag: c.maxLag,
      throughput_per_sec: Math.round((c.consumed / ((loadEnd - loadStart) / 1000)) * 100) / 100,
      throughput_per_min: Math.round((c.consumed / ((loadEnd - loadStart) / 60000)) * 100) / 100,
      error_rate: c.consumed ? (c.consumed - c.valid) / c.consumed : 0,
    },
    latency: latencySection(recorders),
    e2e_by_view: e2eByViewSection(recorders),
    resources: res,
    intervals,
    sinks: sinkStatsOf(o.sinks),
  };
  if (o.check) report.verification = verifyResults(producedEvents, lateIds, finals);
  return { report, processor };
}

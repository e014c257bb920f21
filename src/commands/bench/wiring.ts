import { readFileSync, writeFileSync } from 'node:fs';
import { EXIT, UsageError } from '../../errors.js';
import { onlyWith, typedFlags, type CommandContext, type OptionsOf } from '../define.js';
import type { benchSettings } from './index.js';
import { kafkaSecurityOptions, openTransport } from '../../transport/open.js';
import { renderReport } from '../../reporting/table.js';
import { LatencyRecorders } from '../../reporting/histograms.js';
import { renderHtmlReport } from '../../reporting/html.js';
import type { BenchReport } from '../../reporting/report.js';
import { parseLoadShape } from '../../bench/load-shape.js';
import { parseJsonFile } from '../../files/json.js';
import { compareBaseline, evaluateThresholds, parseThreshold } from '../../bench/gate.js';
import { runBench } from '../../bench/run.js';
import { phaseText } from '../../bench/phases.js';
import { findMaxRate } from '../../bench/find-max.js';
import { loadConfigFrom, trafficConfigFrom } from '../simulator-options.js';
import {
  checkPresetTargets,
  chooseSinks,
  outputTopics,
  pipelineTopicsFrom,
  simulatorTopics,
} from '../preset-options.js';
import { buildSinks, storeSinkOptions } from '../../sinks/build.js';
import type { LiveSnapshot } from '../../pipeline/live-stats.js';
import { engineOverrides, type EngineOverrides } from '../../pipeline/assemble.js';
import type { PipelineTopics } from '../../transport/topics.js';
import { loadLiveView, startLiveView, type LiveViewHandle } from '../../ui/live-view.js';

type BenchOptions = OptionsOf<typeof benchSettings>;

function progressLine(s: LiveSnapshot, totalS: number): string {
  const ingest = s.latency.ingest;
  const e2e = s.latency.e2e;
  const c = s.counters;
  return (
    `[${s.uptimeS.toFixed(0).padStart(4)}s/${totalS}s] sent ${Math.round(s.producedPerSec ?? 0)}/s, consumed ${Math.round(s.consumedPerSec)}/s, lag ${s.lag.total ?? 'unknown'}` +
    (ingest ? `, ingest p50 ${ingest.p50}ms p99 ${ingest.p99}ms` : '') +
    (e2e ? `, e2e p99 ${e2e.p99}ms` : '') +
    `, results ${c.results}, alerts ${c.alerts}, dead letters ${c.deadLetters}`
  );
}

export async function benchCommand(o: BenchOptions, ctx: CommandContext): Promise<number> {
  checkCombination(o, ctx);
  const shape = parseLoadShape(o.profile, o.rate);
  const thresholds = o.threshold.map((t) => parseThreshold(t));
  let baseline: BenchReport | null = null;
  if (o.baseline) {
    let text: string;
    try {
      text = readFileSync(o.baseline, 'utf8');
    } catch (err) {
      throw new UsageError(`--baseline ${o.baseline}: ${(err as Error).message}`);
    }
    baseline = parseJsonFile(text, `--baseline ${o.baseline}`) as BenchReport;
    if (baseline?.rtap_report !== 1)
      throw new UsageError(`--baseline ${o.baseline}: not an rtap bench JSON report`);
  }
  const topics = pipelineTopicsFrom(o);
  const simulator = { ...loadConfigFrom(o), ...trafficConfigFrom(o), topics: simulatorTopics(topics) };
  const engine = engineOverrides(o);
  if (o.findMax) return findMaxCommand(o, ctx, { simulator, engine, topics });
  const chosen = chooseSinks(ctx, 'bench', o.sink);
  const transport = await openTransport({ brokers: o.brokers, ...kafkaSecurityOptions(o), topics });
  const recorders = new LatencyRecorders();
  const sinks = await buildSinks(chosen.used, {
    transport,
    topics: outputTopics(topics),
    output: o.output,
    influx: { url: o.influxUrl, token: o.influxToken, org: o.influxOrg, bucket: o.influxBucket },
    ...storeSinkOptions(o),
    onWriteLatency: (ms) => recorders.record('sink_write', ms), // per write request
  });
  const totalS = Math.round((o.duration + o.warmup) / 1000);
  let lastPlain = 0;
  // On an interactive terminal the live view (src/ui) replaces the progress line; elsewhere, plain lines.
  const liveView = ctx.interactive && !ctx.json && Boolean(ctx.stderr.isTTY);
  if (liveView) await loadLiveView(ctx.stderr, true);
  let view: LiveViewHandle | null = null;
  const hdrLogChunks: string[] = [];
  ctx.log(
    `rtap bench: ${transport.description}, ${shape.kind} load at ${+o.rate.toFixed(2)}/s (${Math.round(o.rate * 60)}/min) for ${totalS}s${o.warmup ? ` (first ${o.warmup / 1000}s warm-up)` : ''}`,
  );
  try {
    const { report } = await runBench({
      transport,
      generator: { threads: o.threads, transport: { brokers: o.brokers, ...kafkaSecurityOptions(o) } },
      recorders,
      simulator,
      topics,
      shape,
      durationMs: o.duration,
      warmupMs: o.warmup,
      engine,
      patterns: o.patterns,
      threads: o.threads,
      sinks,
      injectStall: o.injectStall
        ? { afterMs: o.warmup + o.duration / 2, durationMs: o.injectStall }
        : undefined,
      log: ctx.log,
      signal: ctx.signal,
      check: o.check,
      hdrLog: o.hdrLog ? (text) => hdrLogChunks.push(text) : undefined,
      effectiveConfig: ctx.effectiveConfig,
      onLive: liveView
        ? (live) => {
            view = startLiveView({
              live,
              title: 'rtap bench',
              subtitle: transport.description,
              stdout: ctx.stderr,
              color: ctx.color,
              interactive: true,
              totalS,
            });
          }
        : undefined,
      onPhase: (phase) => {
        // The live view ends with the load; what follows is said in words.
        (view as LiveViewHandle | null)?.stop();
        view = null;
        ctx.log(`rtap bench: ${phaseText(phase)}`);
      },
      onSnapshot: (snap) => {
        if (liveView) return;
        const line = progressLine(snap, totalS);
        if (snap.uptimeS - lastPlain >= 5) {
          lastPlain = snap.uptimeS;
          ctx.log(line);
        }
      },
    });
    (view as LiveViewHandle | null)?.stop();

    const results = evaluateThresholds(thresholds, report);
    if (baseline) results.push(...compareBaseline(report, baseline, o.maxRegression));
    if (results.length) report.gate = { passed: results.every((r) => r.passed), results };
    const targetsMet = checkPresetTargets(ctx, 'bench', report, {
      used: sinks.map((s) => s.name),
      skipped: chosen.skipped,
    });

    if (ctx.jsonFile) writeFileSync(ctx.jsonFile, JSON.stringify(report, null, 2) + '\n');
    if (o.hdrLog) writeFileSync(o.hdrLog, hdrLogChunks.join(''));
    if (o.html) writeFileSync(o.html, renderHtmlReport(report, baseline));
    if (ctx.json) ctx.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else ctx.stdout.write(renderReport(report, ctx.color) + '\n');
    for (const [what, file] of [
      ['JSON report', ctx.jsonFile],
      ['HDR interval log', o.hdrLog],
      ['HTML report', o.html],
    ]) {
      if (file) ctx.log(`${what} written to ${file}`);
    }

    if (ctx.signal.aborted) return EXIT.INTERRUPTED;
    if (report.verification && !report.verification.ok) {
      ctx.log(
        `rtap bench: --check failed: ${report.verification.mismatches.length} mismatches over ${report.verification.windows} windows`,
      );
      return EXIT.CHECK_MISMATCH;
    }
    if (!report.load.schedule_held) {
      ctx.log(`rtap bench: invalid run: ${report.load.schedule_note}`);
      return EXIT.INVALID_RUN;
    }
    if (report.gate && !report.gate.passed) {
      const failed = report.gate.results.filter((r) => !r.passed);
      ctx.log(
        `rtap bench: gate failed (${failed.length} of ${report.gate.results.length}):\n  ${failed.map((f) => f.message).join('\n  ')}`,
      );
      return EXIT.THRESHOLD_FAILED;
    }
    if (!targetsMet) return EXIT.THRESHOLD_FAILED;
    return EXIT.OK;
  } finally {
    (view as LiveViewHandle | null)?.stop();
    await transport.close();
  }
}

/**
 * Options that only one of the two modes reads are refused in the other, instead of silently doing
 * nothing: --find-max runs a series of short benches and reports a rate, not one run's report.
 */
function checkCombination(o: BenchOptions, ctx: CommandContext): void {
  if (o.findMax) {
    const single = typedFlags(ctx, [
      'threshold',
      'baseline',
      'maxRegression',
      'check',
      'html',
      'hdrLog',
      'injectStall',
      'sink',
    ]);
    if (single.length)
      throw new UsageError(
        `${single.join(', ')} cannot be combined with --find-max: it runs a series of short benches and reports the highest sustained rate, not one run's report`,
        "give the conditions every step must meet with --slo, e.g. --slo 'ingest.p99<500ms'",
      );
    return;
  }
  const findMaxOnly = typedFlags(ctx, ['slo', 'maxRate']);
  if (findMaxOnly.length)
    throw new UsageError(
      onlyWith(findMaxOnly, '--find-max'),
      "a single run checks --threshold, e.g. --threshold 'ingest.p99<500ms'",
    );
  if (!o.baseline && typedFlags(ctx, ['maxRegression']).length)
    throw new UsageError('--max-regression needs --baseline (the report to compare with)');
}

async function findMaxCommand(
  o: BenchOptions,
  ctx: CommandContext,
  parts: { simulator: Record<string, unknown>; engine: EngineOverrides; topics: PipelineTopics },
): Promise<number> {
  const slo = o.slo.map((c) => parseThreshold(c, '--slo'));
  ctx.log(
    `rtap bench --find-max: steps of ${o.duration / 1000}s from ${o.rate}/s, SLO ${o.slo.join(' and ') || '(none: schedule held and lag bounded)'}`,
  );
  const { maxRatePerSec, steps } = await findMaxRate({
    slo,
    startRate: o.rate,
    maxRate: o.maxRate,
    refineSteps: 3,
    openTransport: () =>
      openTransport({ brokers: o.brokers, ...kafkaSecurityOptions(o), topics: parts.topics }),
    base: {
      generator: { threads: o.threads, transport: { brokers: o.brokers, ...kafkaSecurityOptions(o) } },
      simulator: parts.simulator,
      topics: parts.topics,
      durationMs: o.duration,
      warmupMs: o.warmup,
      engine: parts.engine,
      patterns: o.patterns,
      signal: ctx.signal,
      effectiveConfig: ctx.effectiveConfig,
    },
    onStep: (s) =>
      ctx.log(
        `  ${Math.round(s.ratePerSec)}/s: ${s.passed ? 'sustained' : 'NOT sustained'} (throughput ${Math.round(s.throughputPerSec)}/s, ingest p99 ${s.latency.ingest?.p99 ?? '-'} ms, final lag ${s.finalLag})${s.reasons.length ? ' — ' + s.reasons.join('; ') : ''}`,
      ),
  });
  const result = {
    max_rate_per_sec: maxRatePerSec,
    max_rate_per_min: maxRatePerSec === null ? null : maxRatePerSec * 60,
    slo: o.slo,
    steps,
  };
  if (ctx.jsonFile) writeFileSync(ctx.jsonFile, JSON.stringify(result, null, 2) + '\n');
  if (ctx.json) ctx.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else
    ctx.stdout.write(
      maxRatePerSec === null
        ? `no rate from ${o.rate}/s up was sustained\n`
        : `highest sustainable rate: ${maxRatePerSec}/s (${maxRatePerSec * 60}/min)\n`,
    );
  return maxRatePerSec === null ? EXIT.THRESHOLD_FAILED : EXIT.OK;
}

import { setting } from '../../config/settings.js';
import * as v from '../../config/values.js';
import { defineCommand } from '../define.js';
import {
  engineSettings,
  generatorSettings,
  threadsSetting,
  loadSettings,
  profileSetting,
  sinkSettings,
  trafficSettings,
  transportSettings,
  presetSetting,
  topologySetting,
} from '../settings.js';

export const benchSettings = {
  preset: presetSetting,
  topology: topologySetting,
  ...transportSettings,
  ...loadSettings,
  ...trafficSettings,
  ...generatorSettings,
  duration: setting({ ...loadSettings.duration, default: 30_000 }),
  warmup: setting({
    key: 'warmup',
    flags: '--warmup <duration>',
    description: 'load before measuring starts (excluded from the numbers)',
    parse: v.durationOrZero,
    default: 0,
  }),
  profile: profileSetting,
  ...engineSettings,
  threads: threadsSetting,
  ...sinkSettings,
  threshold: setting({
    key: 'threshold',
    flags: '--threshold <expr>',
    description:
      "fail (exit 99) unless it holds; repeatable: 'ingest.p95<500ms', 'throughput>=10000/min', 'errors<0.1%'",
    parse: (raw, where) => [v.string(raw, where)],
    repeatable: true,
    default: [] as string[],
  }),
  baseline: setting({
    key: 'baseline',
    flags: '--baseline <file>',
    description: 'a previous --json report to compare with',
    parse: v.string,
    file: 'input',
  }),
  maxRegression: setting({
    key: 'maxRegression',
    flags: '--max-regression <share>',
    description: 'allowed regression against --baseline, e.g. 10%',
    parse: v.share,
    default: 0.1,
  }),
  findMax: setting({
    key: 'findMax',
    flags: '--find-max',
    description:
      'step the rate up from --rate and report the highest rate the pipeline sustains (SLOs met, lag bounded); not with the options of a single run (--threshold, --baseline, --check, --html, --hdr-log, --inject-stall, --sink)',
    parse: v.bool,
    default: false,
  }),
  slo: setting({
    key: 'slo',
    flags: '--slo <expr>',
    description: "with --find-max: a condition every step must meet (repeatable), e.g. 'ingest.p99<500ms'",
    parse: (raw, where) => [v.string(raw, where)],
    repeatable: true,
    default: [] as string[],
  }),
  maxRate: setting({
    key: 'maxRate',
    flags: '--max-rate <rate>',
    description: 'with --find-max: the highest rate to try',
    parse: v.rate,
    default: 200_000,
  }),
  check: setting({
    key: 'check',
    flags: '--check',
    description:
      'verify the final results against an independent recomputation over the same events (exit 97 on a mismatch)',
    parse: v.bool,
    default: false,
  }),
  html: setting({
    key: 'html',
    flags: '--html <file>',
    description: 'write a self-contained HTML report with plots',
    parse: v.string,
    file: 'output',
  }),
  hdrLog: setting({
    key: 'hdrLog',
    flags: '--hdr-log <file>',
    description: 'write HdrHistogram interval logs (one histogram per latency per second)',
    parse: v.string,
    file: 'output',
  }),
  injectStall: setting({
    key: 'injectStall',
    flags: '--inject-stall <duration>',
    description: 'stall the processor once, mid-run, for this long (shows in P99/max)',
    parse: v.duration,
  }),
};

export const bench = defineCommand({
  name: 'bench',
  summary: 'run the whole pipeline under open-loop load and report latency percentiles',
  description:
    "Runs simulator → transport → processor (engine + CEP) → sinks under open-loop load, then reports every latency stage (publish, ack, ingest, window close, end-to-end, alert; defined in docs/report.md) as P50/P90/P95/P99/P99.9/max from HDR histograms, measured from each event's intended send time so a stall cannot hide (coordinated omission). With no --brokers it runs on the embedded in-process log.",
  examples: [
    'rtap bench --duration 30s',
    'rtap bench --rate 10k/min --duration 10m --warmup 30s --json bench.json',
    "rtap bench --duration 1m --threshold 'ingest.p95<500ms' --threshold 'throughput>=10000/min'",
    'rtap bench --brokers 127.0.0.1:9092 --duration 60s',
    'rtap bench --duration 20s --inject-stall 2s',
    "rtap bench --find-max --rate 1k/s --duration 10s --slo 'ingest.p99<500ms'",
  ],
  settings: benchSettings,
  async run(options, ctx) {
    const { benchCommand } = await import('./wiring.js');
    return benchCommand(options, ctx);
  },
});

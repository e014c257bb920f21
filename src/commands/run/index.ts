import { UsageError } from '../../errors.js';
import { setting } from '../../config/settings.js';
import * as v from '../../config/values.js';
import { defineCommand } from '../define.js';
import {
  currencySettings,
  engineSettings,
  loadSettings,
  threadsSetting,
  transportSettings,
  presetSetting,
  sinkSettings,
  topologySetting,
} from '../settings.js';

/** Frames per second of a live view: 0.5 to 60. */
const fps: v.Parser<number> = (raw, where) => {
  const x = Number(raw.trim().replace(/\s*fps$/, ''));
  if (!Number.isFinite(x) || x < 0.5 || x > 60)
    throw new UsageError(`invalid ${where} '${raw}': expected frames per second from 0.5 to 60, like 4`);
  return x;
};

/** `8080`, `0` (a free port) or `off`. */
const portOrOff: v.Parser<number | null> = (raw, where) => (raw.trim() === 'off' ? null : v.port(raw, where));

/** Settings of the terminal views (run, alerts). */
export const uiSettings = {
  refresh: setting({
    key: 'refresh',
    flags: '--refresh <fps>',
    description: 'most redraws per second of the live view',
    parse: fps,
    default: 4,
  }),
};

export const runSettings = {
  preset: presetSetting,
  topology: topologySetting,
  ...transportSettings,
  seed: loadSettings.seed,
  rate: loadSettings.rate,
  duration: setting({
    ...loadSettings.duration,
    description: 'stop after this long (default: run until q or Ctrl-C)',
  }),
  mix: loadSettings.mix,
  users: loadSettings.users,
  lateShare: loadSettings.lateShare,
  duplicateShare: loadSettings.duplicateShare,
  malformedShare: loadSettings.malformedShare,
  encoding: loadSettings.encoding,
  fraudShare: setting({
    key: 'fraudShare',
    flags: '--fraud-share <share>',
    description:
      'share of purchasing users who then buy from other countries with other cards (makes the fraud alerts fire)',
    parse: v.share,
    default: 0.05,
  }),
  ...engineSettings,
  threads: threadsSetting,
  sink: setting({
    key: 'sink',
    flags: '--sink <list>',
    description:
      "extra sinks: 'jsonl' (with --output), 'topics', 'influx', 'postgres', 'mongo', 'parquet' (with --parquet-dir)",
    parse: v.list,
    default: [] as string[],
  }),
  output: setting({
    key: 'output',
    flags: '--output <file>',
    description: 'also write every result and alert as JSON lines (.gz compresses)',
    parse: v.string,
    file: 'output',
  }),
  influxUrl: sinkSettings.influxUrl,
  influxToken: sinkSettings.influxToken,
  influxOrg: sinkSettings.influxOrg,
  influxBucket: sinkSettings.influxBucket,
  pgUrl: sinkSettings.pgUrl,
  pgSchema: sinkSettings.pgSchema,
  mongoUrl: sinkSettings.mongoUrl,
  mongoRetention: sinkSettings.mongoRetention,
  parquetDir: sinkSettings.parquetDir,
  dashboard: setting({
    key: 'dashboard',
    flags: '--dashboard <port|off>',
    description: "serve the web dashboard on this port (0 picks a free one), or 'off'",
    parse: portOrOff,
    default: 8080 as number | null,
    env: 'RTAP_RUN_DASHBOARD',
  }),
  ...uiSettings,
  ...currencySettings,
};

export const run = defineCommand({
  name: 'run',
  summary: 'the all-in-one demo: simulate, process and watch it live (terminal view + web dashboard)',
  description:
    'Simulates website traffic at --rate, processes it (event-time windows, views, CEP alerts) in this process on the embedded log (or Kafka with --brokers), serves the web dashboard, and shows a live terminal view: throughput in and out, lag per partition, watermark lag, latency P50/P99, top pages, active users, alerts. Press q to stop (or give --duration); a latency report is printed at the end. Not a terminal (or CI): a status line every 5 s and one line per alert instead.',
  examples: [
    'rtap run',
    'rtap run --rate 1k/s --refresh 2',
    'rtap run --duration 2m --dashboard off --json > run.json',
    'rtap run --brokers 127.0.0.1:9092 --sink topics',
  ],
  settings: runSettings,
  async run(options, ctx) {
    const { runCommand } = await import('./wiring.js');
    return runCommand(options, ctx);
  },
});

import { UsageError } from '../../errors.js';
import { setting } from '../../config/settings.js';
import * as v from '../../config/values.js';
import { defineCommand } from '../define.js';
import {
  generatorSettings,
  loadSettings,
  profileSetting,
  trafficSettings,
  transportSettings,
  presetSetting,
  topologySetting,
} from '../settings.js';

/** `2`, `0.5`, `max`: a replay speed factor. */
const speed: v.Parser<number | 'max'> = (raw, where) => {
  const s = raw.trim();
  if (s === 'max') return 'max';
  const x = Number(s.replace(/x$/, ''));
  if (!Number.isFinite(x) || x <= 0)
    throw new UsageError(
      `invalid ${where} '${raw}': expected a positive factor like 2 (twice as fast), 0.5, or max`,
    );
  return x;
};

/** An ISO date-time or epoch milliseconds. */
const time: v.Parser<number> = (raw, where) => {
  const s = raw.trim();
  const t = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isSafeInteger(t) || t < 0)
    throw new UsageError(
      `invalid ${where} '${raw}': expected an ISO time like 2024-01-01T00:00:00Z or epoch milliseconds`,
    );
  return t;
};

export const simulateSettings = {
  preset: presetSetting,
  topology: topologySetting,
  ...transportSettings,
  ...loadSettings,
  ...trafficSettings,
  ...generatorSettings,
  out: setting({
    key: 'out',
    flags: '--out <file>',
    description:
      'record the stream to a JSONL file (.gz compresses); without --brokers or --live it is generated unpaced',
    parse: v.string,
    file: 'output',
  }),
  replay: setting({
    key: 'replay',
    flags: '--replay <file>',
    description: 're-send a recording instead of simulating',
    parse: v.string,
    file: 'input',
  }),
  speed: setting({
    key: 'speed',
    flags: '--speed <factor>',
    description: "replay speed: 1 = recorded pace, 2 = twice as fast, 'max' = as fast as possible",
    parse: speed,
    default: 1 as number | 'max',
  }),
  eventTime: setting({
    key: 'eventTime',
    flags: '--event-time <mode>',
    description:
      "replay event times: 'shift' moves them by whole minutes to now, 'keep' sends the recorded ones (several replays of parts of one recording then stay one timeline)",
    parse: v.oneOf('shift', 'keep'),
    default: 'shift' as 'shift' | 'keep',
  }),
  live: setting({
    key: 'live',
    flags: '--live',
    description: 'send in real time (open loop at --rate) even when only recording',
    parse: v.bool,
    default: false,
  }),
  startTime: setting({
    key: 'startTime',
    flags: '--start-time <time>',
    description: 'event time of the first event of unpaced generation',
    parse: time,
    default: Date.UTC(2024, 0, 1),
    display: (t) => new Date(t).toISOString().replace('.000Z', 'Z'),
  }),
  profile: profileSetting,
  bursts: setting({
    key: 'bursts',
    flags: '--bursts <spec>',
    description: "traffic bursts on top of the load, FACTORx,LENGTH/EVERY, e.g. '5x,30s/5m'",
    parse: v.string,
  }),
};

export const simulate = defineCommand({
  name: 'simulate',
  summary: 'generate seeded website traffic: send it open-loop, record it, or replay a recording',
  description:
    'Simulates users browsing a shop (sessions, page views, products, cart → checkout → purchase, logins, orders) from a seed: the same seed gives the same events. With --brokers (Kafka) or --live it sends at --rate on an open-loop schedule and reports publish delay and ack latency; with --out alone it writes the stream to a file as fast as possible, on a timeline starting at --start-time. See docs/simulator.md for every knob.',
  examples: [
    'rtap simulate --seed 42 --events 100000 --out a.jsonl',
    'rtap simulate --rate 200/s --duration 1m --out events.jsonl.gz --live',
    'rtap simulate --brokers 127.0.0.1:9092 --rate 12k/min --duration 10m',
    'rtap simulate --mix eventflow --events 50k --out eventflow.jsonl',
    "rtap simulate --events 200k --session-timeout 6m --bounce-spike '0.95,1m/10m' --fraud-share 0.02 --out cep.jsonl.gz",
    'rtap simulate --replay events.jsonl.gz --speed max --brokers 127.0.0.1:9092',
    'rtap simulate --replay part-2.jsonl --event-time keep --brokers 127.0.0.1:9092',
  ],
  settings: simulateSettings,
  async run(options, ctx) {
    const { simulateCommand } = await import('./wiring.js');
    return simulateCommand(options, ctx);
  },
});

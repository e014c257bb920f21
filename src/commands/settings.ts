import { setting } from '../config/settings.js';
import * as v from '../config/values.js';

/**
 * Settings shared by several commands, defined once so flags, env variables, config keys and help stay
 * identical wherever they appear.
 */
export const transportSettings = {
  brokers: setting({
    key: 'brokers',
    flags: '--brokers <list>',
    description: 'Kafka bootstrap brokers host:port[,...]; without it rtap runs on the embedded in-process log',
    parse: v.brokers,
  }),
};

export const loadSettings = {
  seed: setting({ key: 'seed', flags: '--seed <n>', description: 'seed of the traffic model: same seed, same events', parse: v.seed, default: 42 }),
  rate: setting({ key: 'rate', flags: '--rate <rate>', description: 'open-loop send rate, e.g. 200/s, 12k/min', parse: v.rate, default: 200 }),
  duration: setting({ key: 'duration', flags: '--duration <duration>', description: 'how long to send, e.g. 30s, 10m', parse: v.duration }),
  events: setting({ key: 'events', flags: '--events <n>', description: 'stop after this many events (e.g. 100000, 1M)', parse: v.count }),
  mix: setting({
    key: 'mix',
    flags: '--mix <name>',
    description: "traffic mix: 'website' (all seven event types) or 'eventflow' (40% user events / 40% product views / 20% orders)",
    parse: v.oneOf('website', 'eventflow'),
    default: 'website' as const,
  }),
  users: setting({ key: 'users', flags: '--users <n>', description: 'number of simulated users', parse: v.count, default: 10_000 }),
  lateShare: setting({ key: 'lateShare', flags: '--late-share <share>', description: 'share of events sent late (event time older than send time), e.g. 0.02 or 2%', parse: v.share, default: 0 }),
  lateDelay: setting({ key: 'lateDelay', flags: '--late-delay <duration>', description: 'how late a late event is at most', parse: v.duration, default: 10_000 }),
  duplicateShare: setting({ key: 'duplicateShare', flags: '--duplicate-share <share>', description: 'share of events sent twice (same event_id)', parse: v.share, default: 0 }),
  malformedShare: setting({ key: 'malformedShare', flags: '--malformed-share <share>', description: 'share of malformed records (routed to the dead-letter topic)', parse: v.share, default: 0 }),
  encoding: setting({ key: 'encoding', flags: '--encoding <kind>', description: "message encoding: 'avro' (Confluent wire format) or 'json'", parse: v.oneOf('avro', 'json'), default: 'avro' as const }),
};

export const engineSettings = {
  views: setting({ key: 'views', flags: '--views <list>', description: 'views to compute (comma-separated); all by default', parse: v.list }),
  outOfOrderness: setting({ key: 'outOfOrderness', flags: '--out-of-orderness <duration>', description: 'bounded out-of-orderness of the watermark', parse: v.durationOrZero }),
  lateness: setting({ key: 'lateness', flags: '--lateness <duration>', description: 'allowed lateness after a window closes', parse: v.durationOrZero }),
  idleTimeout: setting({ key: 'idleTimeout', flags: '--idle-timeout <duration>', description: 'a partition idle this long stops holding the watermark back', parse: v.duration }),
  patterns: setting({ key: 'patterns', flags: '--patterns <paths>', description: 'CEP pattern files or directories (comma-separated); the shipped patterns by default; \'none\' disables CEP', parse: v.list }),
};

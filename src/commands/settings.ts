import { availableParallelism } from 'node:os';
import { setting } from '../config/settings.js';
import { UsageError } from '../errors.js';
import * as v from '../config/values.js';
import { DEFAULT_KAFKA_CLIENT, type KafkaClientName } from '../transport/kafka/clients.js';

/**
 * Settings shared by several commands, defined once so flags, env variables, config keys and help stay
 * identical wherever they appear.
 */
/** TLS and SASL for real clusters. */
const kafkaSecuritySettings = {
  kafkaClient: setting({
    key: 'kafkaClient',
    flags: '--kafka-client <name>',
    description:
      "client library that produces to Kafka: 'platformatic' (@platformatic/kafka) or 'kafkajs'; consumers and transactions use kafkajs (docs/kafka.md)",
    parse: v.oneOf('kafkajs', 'platformatic'),
    default: DEFAULT_KAFKA_CLIENT as KafkaClientName,
  }),
  ssl: setting({
    key: 'ssl',
    flags: '--ssl',
    description: 'connect to Kafka over TLS',
    parse: v.bool,
    default: false,
  }),
  sslCa: setting({
    key: 'sslCa',
    flags: '--ssl-ca <file>',
    description: 'PEM file of the CA that signed the brokers (implies --ssl)',
    parse: v.string,
    file: 'input',
  }),
  sslCert: setting({
    key: 'sslCert',
    flags: '--ssl-cert <file>',
    description: 'PEM client certificate for mutual TLS',
    parse: v.string,
    file: 'input',
  }),
  sslKey: setting({
    key: 'sslKey',
    flags: '--ssl-key <file>',
    description: 'PEM client key for mutual TLS',
    parse: v.string,
    file: 'input',
  }),
  saslMechanism: setting({
    key: 'saslMechanism',
    flags: '--sasl-mechanism <m>',
    description: 'SASL mechanism: plain, scram-sha-256 or scram-sha-512',
    parse: v.oneOf('plain', 'scram-sha-256', 'scram-sha-512'),
  }),
  saslUsername: setting({
    key: 'saslUsername',
    flags: '--sasl-username <name>',
    description: 'SASL user',
    parse: v.string,
  }),
  saslPassword: setting({
    key: 'saslPassword',
    flags: '--sasl-password <secret>',
    description: 'SASL password (prefer the environment variable)',
    parse: v.string,
    secret: true,
  }),
};

/** The keys of the Kafka-only TLS and SASL settings. */
export const kafkaSecurityKeys = Object.keys(kafkaSecuritySettings);

export const transportSettings = {
  brokers: setting({
    key: 'brokers',
    flags: '--brokers <list>',
    description:
      'Kafka bootstrap brokers host:port[,...]; without it rtap runs on the embedded in-process log',
    parse: v.brokers,
  }),
  ...kafkaSecuritySettings,
};

/**
 * The transport settings of a command for which "no --brokers" means something other than the embedded
 * log (provision: the local stack; dashboard: nothing to read), so its help says what it does.
 */
export function transportSettingsWithout(withoutBrokers: string): typeof transportSettings {
  return {
    ...transportSettings,
    brokers: setting({
      ...transportSettings.brokers,
      description: `Kafka bootstrap brokers host:port[,...]; ${withoutBrokers}`,
    }),
  };
}

export const loadSettings = {
  seed: setting({
    key: 'seed',
    flags: '--seed <n>',
    description: 'seed of the traffic model: same seed, same events',
    parse: v.seed,
    default: 42,
  }),
  rate: setting({
    key: 'rate',
    flags: '--rate <rate>',
    description: 'open-loop send rate, e.g. 200/s, 12k/min',
    parse: v.rate,
    default: 200,
  }),
  duration: setting({
    key: 'duration',
    flags: '--duration <duration>',
    description: 'how long to send, e.g. 30s, 10m',
    parse: v.duration,
  }),
  events: setting({
    key: 'events',
    flags: '--events <n>',
    description: 'stop after this many events (e.g. 100000, 1M)',
    parse: v.count,
  }),
  mix: setting({
    key: 'mix',
    flags: '--mix <name>',
    description:
      "traffic mix: 'website' (all seven event types) or 'eventflow' (40% user events / 40% product views / 20% orders)",
    parse: v.oneOf('website', 'eventflow'),
    default: 'website' as const,
  }),
  users: setting({
    key: 'users',
    flags: '--users <n>',
    description: 'number of simulated users',
    parse: v.count,
    default: 10_000,
  }),
  lateShare: setting({
    key: 'lateShare',
    flags: '--late-share <share>',
    description: 'share of events sent late (event time older than send time), e.g. 0.02 or 2%',
    parse: v.share,
    default: 0,
  }),
  lateDelay: setting({
    key: 'lateDelay',
    flags: '--late-delay <duration>',
    description: 'how late a late event is at most',
    parse: v.duration,
    default: 10_000,
  }),
  duplicateShare: setting({
    key: 'duplicateShare',
    flags: '--duplicate-share <share>',
    description: 'share of events sent twice (same event_id)',
    parse: v.share,
    default: 0,
  }),
  malformedShare: setting({
    key: 'malformedShare',
    flags: '--malformed-share <share>',
    description: 'share of malformed records (routed to the dead-letter topic)',
    parse: v.share,
    default: 0,
  }),
  shards: setting({
    key: 'shards',
    flags: '--shards <n>',
    description:
      'independent parts of the seeded stream, each with its own users and partitions (threads generate whole shards; 1 = the unsharded stream of earlier versions)',
    parse: v.count,
    default: 3,
  }),
  encoding: setting({
    key: 'encoding',
    flags: '--encoding <kind>',
    description: "message encoding: 'avro' (Confluent wire format) or 'json'",
    parse: v.oneOf('avro', 'json'),
    default: 'avro' as const,
  }),
};

/** How the load is generated (simulate, bench). */
export const generatorSettings = {
  threads: setting({
    key: 'threads',
    flags: '--threads <n>',
    description:
      'generator threads with Kafka or unpaced --out, each generating, encoding and sending whole shards with its own producer (at most --shards; the same stream for any count)',
    parse: v.count,
    default: availableParallelism(),
  }),
};

/** Traffic-model knobs beyond the load (docs/simulator.md): what makes each shipped alert fire. */
/** Load shape of the commands that generate load over time (simulate, bench); `rtap run` is constant. */
export const profileSetting = setting({
  key: 'profile',
  flags: '--profile <shape>',
  description: 'load shape: constant (at --rate), ramp:FROM..TO, or steps:R1,R2,...',
  parse: v.string,
  default: 'constant',
});

export const trafficSettings = {
  sessionTimeout: setting({
    key: 'sessionTimeout',
    flags: '--session-timeout <duration>',
    description: 'inactivity after which a session times out (6m lets abandonment alerts fire)',
    parse: v.duration,
    default: 30 * 60_000,
  }),
  bounceShare: setting({
    key: 'bounceShare',
    flags: '--bounce-share <share>',
    description: 'share of single-page sessions',
    parse: v.share,
    default: 0.4,
  }),
  bounceSpike: setting({
    key: 'bounceSpike',
    flags: '--bounce-spike <spec>',
    description: "bounce spikes SHARE,LENGTH/EVERY, e.g. '0.95,1m/10m'",
    parse: v.string,
  }),
  fraudShare: setting({
    key: 'fraudShare',
    flags: '--fraud-share <share>',
    description:
      'share of purchasing users who then buy from other countries with other cards within minutes',
    parse: v.share,
    default: 0,
  }),
  premiumShare: setting({
    key: 'premiumShare',
    flags: '--premium-share <share>',
    description: 'share of premium users',
    parse: v.share,
    default: 0.1,
  }),
};

/** Worker threads of the processor's tasks (process, run, bench). */
export const threadsSetting = setting({
  key: 'threads',
  flags: '--threads <n>',
  description:
    "worker threads for the processor's tasks (at most the number of tasks, the gcd of the input topics' partition counts: 3 for the reference topology; in bench and run also the most generator threads: one per 25,000 events/s of the peak rate); above 1 the merge step (the windows over every task, the session-keyed patterns) runs on one more thread; 1 runs everything on the main thread; results are the same for any count",
  parse: v.count,
  default: availableParallelism(),
});

export const engineSettings = {
  views: setting({
    key: 'views',
    flags: '--views <list>',
    description: 'views to compute (comma-separated); all by default',
    parse: v.list,
  }),
  outOfOrderness: setting({
    key: 'outOfOrderness',
    flags: '--out-of-orderness <duration>',
    description: 'bounded out-of-orderness of the watermark',
    parse: v.durationOrZero,
  }),
  lateness: setting({
    key: 'lateness',
    flags: '--lateness <duration>',
    description: 'allowed lateness after a window closes',
    parse: v.durationOrZero,
  }),
  idleTimeout: setting({
    key: 'idleTimeout',
    flags: '--idle-timeout <duration>',
    description: 'a partition idle this long stops holding the watermark back',
    parse: v.duration,
  }),
  distinct: setting({
    key: 'distinct',
    flags: '--distinct <mode>',
    description:
      'distinct counts of realtime, business and kpis (users, buyers, sessions): exact (memory grows with the count) or hll (HyperLogLog: 16 KiB per window, relative standard error 0.81 %)',
    parse: v.oneOf('exact', 'hll'),
  }),
  earlyInterval: setting({
    key: 'earlyInterval',
    flags: '--early-interval <duration>',
    description:
      "how often realtime, business and kpis emit early (current) results of open windows; 'off' for final results only",
    parse: (raw, where) => (raw.trim() === 'off' ? null : v.duration(raw, where)),
  }),
  patterns: setting({
    key: 'patterns',
    flags: '--patterns <paths>',
    description:
      "CEP pattern files or directories (comma-separated); the shipped patterns by default; 'none' disables CEP",
    parse: v.list,
  }),
  maxPartialMatches: setting({
    key: 'maxPartialMatches',
    flags: '--max-partial-matches <n>',
    description:
      'partial matches each CEP instance (every task, the merge step) holds before it evicts the oldest keys (counted and warned about: alerts that needed them are lost); default 1M',
    parse: v.count,
  }),
};

/** A currency code: three capital letters. */
const currencyCode: v.Parser<string> = (raw, where) => {
  const s = raw.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(s))
    throw new UsageError(`invalid ${where} '${raw}': expected a three-letter currency code like USD or EUR`);
  return s;
};

/** How money totals are reported (docs/currency.md): converted into one currency, never added as is. */
export const currencySettings = {
  currency: setting({
    key: 'currency',
    flags: '--currency <code>',
    description:
      "reporting currency of revenue and order-value totals: amounts are converted with the rate table (the per-currency split is kept); default: the table's base, USD",
    parse: currencyCode,
  }),
  currencyRates: setting({
    key: 'currencyRates',
    flags: '--currency-rates <file>',
    description:
      'JSON rate table {"base": "USD", "rates": {"EUR": 0.92, ...}} (units per 1 base); default: the fixed rates the simulator prices with',
    parse: v.string,
    file: 'input',
  }),
};

/** Sink options shared by process and bench. INFLUX_* variables as the InfluxDB tools use them. */
export const sinkSettings = {
  sink: setting({
    key: 'sink',
    flags: '--sink <list>',
    description:
      'sinks: jsonl (with --output), topics (processed-metrics and cep-alerts topics), influx, postgres (002 tables), mongo (004 hot store), parquet (004 cold store)',
    parse: v.list,
    default: [] as string[],
  }),
  output: setting({
    key: 'output',
    flags: '--output <file>',
    description: "write results and alerts as JSON lines ('-' for stdout; .gz compresses)",
    parse: v.string,
    file: 'output',
  }),
  influxUrl: setting({
    key: 'influxUrl',
    flags: '--influx-url <url>',
    description: 'InfluxDB (2.x/3.x, or any server of the v2 write API) base URL',
    parse: v.string,
    default: 'http://localhost:8086',
    env: 'INFLUX_URL',
  }),
  influxToken: setting({
    key: 'influxToken',
    flags: '--influx-token <token>',
    description: 'InfluxDB API token',
    parse: v.string,
    secret: true,
    env: 'INFLUX_TOKEN',
  }),
  influxOrg: setting({
    key: 'influxOrg',
    flags: '--influx-org <org>',
    description: 'InfluxDB organisation',
    parse: v.string,
    default: 'rtap',
    env: 'INFLUX_ORG',
  }),
  influxBucket: setting({
    key: 'influxBucket',
    flags: '--influx-bucket <bucket>',
    description: 'InfluxDB bucket',
    parse: v.string,
    default: 'rtap',
    env: 'INFLUX_BUCKET',
  }),
  pgUrl: setting({
    key: 'pgUrl',
    flags: '--pg-url <url>',
    description:
      'PostgreSQL connection string postgres://user:pass@host:port/db (without it: DATABASE_URL, else the PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE variables)',
    parse: v.string,
    env: 'DATABASE_URL',
  }),
  pgSchema: setting({
    key: 'pgSchema',
    flags: '--pg-schema <name>',
    description: "PostgreSQL schema of 002's tables (created with the tables if missing)",
    parse: v.string,
    default: 'public',
  }),
  mongoUrl: setting({
    key: 'mongoUrl',
    flags: '--mongo-url <url>',
    description:
      "MongoDB (or FerretDB) URL of 004's hot store, mongodb://host:port/database (database default rtap)",
    parse: v.string,
    default: 'mongodb://127.0.0.1:27017',
    env: 'MONGODB_URI',
  }),
  mongoRetention: setting({
    key: 'mongoRetention',
    flags: '--mongo-retention <duration>',
    description: 'how long the hot store keeps a minute document after it was written',
    parse: v.duration,
    default: 7 * 86_400_000,
  }),
  parquetDir: setting({
    key: 'parquetDir',
    flags: '--parquet-dir <dir>',
    description:
      "004's cold store: final results and accepted events as Parquet files under <dir>/{results,events}/year=/month=/day=/hour= (implies --sink parquet)",
    parse: v.string,
  }),
};

/** `--preset`: one reference pipeline (src/presets, docs/presets.md), a settings layer below --config. */
export const presetSetting = setting({
  key: 'preset',
  flags: '--preset <name>',
  description:
    "a reference pipeline: website (000/001), eventflow (002), products (003) or kpis (004), or a preset file: its topology, mix, views, patterns, sinks and the document's targets; --config, RTAP_* and flags override it (docs/presets.md)",
  parse: v.string,
});

/** `--topology`: the pipeline's topics, partitions and what each is for (fixtures/topology). */
export const topologySetting = setting({
  key: 'topology',
  flags: '--topology <file>',
  description:
    "topology file (JSON): the topics the pipeline produces to and reads, by role; the reference documents' topics by default (fixtures/topology/default.json)",
  parse: v.string,
  file: 'input',
});

import { setting } from '../../config/settings.js';
import * as v from '../../config/values.js';
import { defineCommand } from '../define.js';

export const stackUpSettings = {
  nodes: setting({
    key: 'nodes',
    flags: '--nodes <n>',
    description: 'broker+controller nodes (3 gives replication and failover)',
    parse: v.count,
    default: 1,
  }),
  port: setting({
    key: 'port',
    flags: '--port <port>',
    description: 'client port of node 1; node i uses port+i-1, its controller port+100+i-1',
    parse: v.port,
    default: 9092,
  }),
  runtime: setting({
    key: 'runtime',
    flags: '--runtime <kind>',
    description:
      "'auto' (a container where a Docker engine answers, else native), 'native' (Kafka jars on the local JVM) or 'container'",
    parse: v.oneOf('auto', 'native', 'container'),
    default: 'auto' as const,
  }),
  heap: setting({
    key: 'heap',
    flags: '--heap <size>',
    description: 'JVM max heap per node (java -Xmx), e.g. 512m, 1g',
    parse: v.string,
    default: '512m',
    env: 'RTAP_KAFKA_HEAP',
  }),
};

export const stackDownSettings = {
  purge: setting({
    key: 'purge',
    flags: '--purge',
    description: 'also delete the data directories (topics and offsets)',
    parse: v.bool,
    default: false,
  }),
};

const up = defineCommand({
  name: 'up',
  summary: 'start a local Kafka (KRaft) and wait until it is ready',
  description:
    'Starts Apache Kafka on 127.0.0.1 without Docker: the broker jars come from Maven Central on first use (cached in ~/.cache/rtap, or $RTAP_CACHE_DIR) and run as detached JVMs with their own data dir and log. Where a Docker engine answers, --runtime auto uses a testcontainers broker instead. State lives in ~/.cache/rtap/stack (or $RTAP_STACK_DIR) so status and down work from any shell.',
  examples: ['rtap stack up', 'rtap stack up --nodes 3', 'rtap stack up --port 19092 --runtime native'],
  settings: stackUpSettings,
  async run(options, ctx) {
    const { stackUpCommand } = await import('./wiring.js');
    return stackUpCommand(options, ctx);
  },
});

const down = defineCommand({
  name: 'down',
  summary: 'stop the local Kafka (SIGTERM, then SIGKILL after 20 s)',
  examples: ['rtap stack down', 'rtap stack down --purge'],
  settings: stackDownSettings,
  async run(options, ctx) {
    const { stackDownCommand } = await import('./wiring.js');
    return stackDownCommand(options, ctx);
  },
});

const status = defineCommand({
  name: 'status',
  summary: 'show what runs where (brokers, pids, logs)',
  examples: ['rtap stack status', 'rtap --json stack status'],
  settings: {},
  async run(_options, ctx) {
    const { stackStatusCommand } = await import('./wiring.js');
    return stackStatusCommand(ctx);
  },
});

export const stack = defineCommand({
  name: 'stack',
  summary: 'run a real local Kafka for rtap: up, down, status',
  examples: [
    'rtap stack up && rtap provision && rtap bench --brokers 127.0.0.1:9092 --duration 60s',
    'rtap stack up --nodes 3',
    'rtap stack status',
    'rtap stack down',
  ],
  settings: {},
  subcommands: [up, down, status] as never[],
});

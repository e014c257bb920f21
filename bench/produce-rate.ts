/**
 * Produce rate into a real broker, all in one run so the ratios compare like with like on a shared
 * machine: each client library bare (its own tightest loop over the same pre-generated simulator
 * records), rtap's Kafka transport on each client, `rtap simulate` (the built CLI: generation, Avro
 * encoding and producing) per client and per thread count, and `rtap simulate --replay --speed max` of a
 * recording of the same stream. Rates are acknowledged events per second; ratios are to the bare client
 * of the same library. CPU and peak RSS of the CLI runs come from /usr/bin/time.
 *
 *   npm run build && node --import tsx bench/produce-rate.ts [--events 300000] [--threads 1,2,3]
 *       [--clients platformatic,kafkajs] [--brokers host:port]
 *
 * @confluentinc/kafka-javascript (librdkafka) is measured bare when it is installed (docs/kafka.md says why
 * it is not a dependency).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import { Producer as PlatformaticProducer, ProduceAcks } from '@platformatic/kafka';
import { generateRecords, defaultSimulatorConfig } from '../src/simulator/index.js';
import { partitionForKey } from '../src/transport/partitioner.js';
import { createKafkaTransport, KAFKA_CLIENTS, type KafkaClientName } from '../src/transport/kafka/index.js';
import { TOPICS } from '../src/transport/topics.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { benchBroker } from './kafka-broker.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '300000' },
    threads: { type: 'string', default: '1,2,3' },
    clients: { type: 'string', default: KAFKA_CLIENTS.join(',') },
    brokers: { type: 'string' },
  },
});
const N = Number(values.events);
const THREADS = values.threads.split(',').map(Number);
const CLIENTS = values.clients.split(',') as KafkaClientName[];
const BATCH = 2000;
const PARTITIONS = 12;

// The bare loops send the simulator's own records (Avro, keyed by user or session) to one topic.
const records = [...generateRecords(defaultSimulatorConfig(), { ratePerSec: 1000, events: N })].map(
  ({ record }) => ({ key: record.key!, value: record.value }),
);
const bytes = records.reduce((a, r) => a + r.value.length, 0) / N;

const broker = await benchBroker(values.brokers);
const B = broker.brokers;
const kafka = new kafkajs.Kafka({ brokers: B, logLevel: kafkajs.logLevel.NOTHING, clientId: 'bench-bare' });
const transport = createKafkaTransport({ brokers: B });
const admin = transport.admin();
const work = mkdtempSync(join(tmpdir(), 'rtap-produce-rate-'));

async function freshTopic(name: string): Promise<string> {
  const t = `${name}-${Date.now()}`;
  await admin.createTopics([{ name: t, partitions: PARTITIONS, replicationFactor: 1, config: {} }]);
  return t;
}

/** The pipeline's topics, recreated empty so every CLI run writes to logs of the same size. */
async function freshPipelineTopics(): Promise<void> {
  const names: string[] = [TOPICS.events, TOPICS.userEvents, TOPICS.productView, TOPICS.orders];
  const existing = new Set(await admin.listTopics());
  const gone = names.filter((n) => existing.has(n));
  if (gone.length) await admin.deleteTopics(gone);
  for (let i = 0; i < 50 && (await admin.listTopics()).some((t) => names.includes(t)); i++)
    await new Promise((r) => setTimeout(r, 200));
  await admin.createTopics(
    names.map((name) => ({
      name,
      partitions: name === TOPICS.events ? 12 : 3,
      replicationFactor: 1,
      config: {},
    })),
  );
}

interface Row {
  name: string;
  client: string;
  rate: number;
  cpuPerEvent?: number;
  rssMb?: number;
}
const rows: Row[] = [];

function timed(run: () => Promise<void>): Promise<{ rate: number; cpuPerEvent: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return run().then(() => {
    const s = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(cpu0);
    return { rate: N / s, cpuPerEvent: (c.user + c.system) / N };
  });
}

async function bareKafkajs(): Promise<void> {
  const t = await freshTopic('bare-kafkajs');
  const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await p.connect();
  const r = await timed(async () => {
    for (let i = 0; i < N; i += BATCH) {
      const messages = records
        .slice(i, i + BATCH)
        .map((m) => ({ key: m.key, value: m.value, partition: partitionForKey(m.key, PARTITIONS) }));
      await p.sendBatch({ acks: -1, topicMessages: [{ topic: t, messages }] });
    }
  });
  await p.disconnect();
  rows.push({ name: 'bare client', client: 'kafkajs', ...r });
}

async function barePlatformatic(): Promise<void> {
  const t = await freshTopic('bare-platformatic');
  const p = new PlatformaticProducer({
    clientId: 'bench-bare',
    bootstrapBrokers: B,
    idempotent: true,
    acks: ProduceAcks.ALL,
  });
  await p.metadata({ topics: [t] });
  const r = await timed(async () => {
    // Its idempotent producer takes one request at a time (more fail with OUT_OF_ORDER_SEQUENCE_NUMBER).
    for (let i = 0; i < N; i += BATCH) {
      const messages = records.slice(i, i + BATCH).map((m) => ({
        topic: t,
        key: Buffer.from(m.key),
        value: m.value,
        partition: partitionForKey(m.key, PARTITIONS),
      }));
      await p.send({ messages });
    }
  });
  await p.close();
  rows.push({ name: 'bare client', client: 'platformatic', ...r });
}

/** librdkafka through @confluentinc/kafka-javascript's native API, when it is installed. */
async function bareConfluent(): Promise<void> {
  let Confluent: {
    Producer: new (c: Record<string, unknown>) => {
      connect(o: object, cb: (e: Error | null) => void): void;
      setPollInterval(ms: number): void;
      on(ev: string, cb: (err: Error | null) => void): void;
      produce(topic: string, partition: number | null, value: Buffer, key: string): void;
      disconnect(cb: () => void): void;
    };
  };
  try {
    Confluent = createRequire(import.meta.url)('@confluentinc/kafka-javascript');
  } catch {
    console.error('produce-rate: @confluentinc/kafka-javascript is not installed: skipped');
    return;
  }
  const t = await freshTopic('bare-confluent');
  const p = new Confluent.Producer({
    'bootstrap.servers': B.join(','),
    'enable.idempotence': true,
    'linger.ms': 5,
    'batch.num.messages': 10_000,
    'queue.buffering.max.messages': 500_000,
    dr_cb: true,
  });
  await new Promise<void>((res, rej) => p.connect({}, (e) => (e ? rej(e) : res())));
  p.setPollInterval(5);
  let acked = 0;
  const r = await timed(async () => {
    const all = new Promise<void>((res) =>
      p.on('delivery-report', () => {
        if (++acked === N) res();
      }),
    );
    for (let i = 0; i < N; i++) {
      for (;;) {
        try {
          p.produce(t, null, records[i].value, records[i].key);
          break;
        } catch {
          await new Promise((res) => setTimeout(res, 1)); // local queue full: let librdkafka drain it
        }
      }
      if ((i & 1023) === 0) await new Promise((res) => setImmediate(res));
    }
    await all;
  });
  await new Promise<void>((res) => p.disconnect(res));
  rows.push({ name: 'bare client', client: 'confluent (librdkafka)', ...r });
}

async function transportProduce(client: KafkaClientName): Promise<void> {
  const t = await freshTopic(`transport-${client}`);
  const tr = createKafkaTransport({ brokers: B, client });
  const p = tr.producer();
  await p.connect?.([t]);
  const r = await timed(async () => {
    // The way the simulator sends: many send() calls of a few hundred records; the transport batches them.
    const inflight = new Set<Promise<unknown>>();
    for (let i = 0; i < N; i += 500) {
      const pr = p.send(t, records.slice(i, i + 500));
      inflight.add(pr);
      void pr.finally(() => inflight.delete(pr));
      if (inflight.size >= 16) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    await p.flush();
  });
  await p.close();
  await tr.close();
  rows.push({ name: 'rtap transport', client, ...r });
}

/** The built CLI under /usr/bin/time: its JSON report's achieved rate, its CPU and peak RSS. */
function cli(name: string, client: string, args: string[]): void {
  const json = join(work, 'report.json');
  const res = spawnSync(
    '/usr/bin/time',
    ['-f', 'TIME %e %M %U %S', process.execPath, join(PACKAGE_ROOT, 'bin', 'rtap'), ...args, '--json', json],
    { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
  );
  const m = /TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(res.stderr);
  if (res.status !== 0 || !m) throw new Error(`rtap ${args.join(' ')} failed:\n${res.stderr}`);
  const report = JSON.parse(readFileSync(json, 'utf8')) as { achieved_rate_per_sec: number; records: number };
  rows.push({
    name,
    client,
    rate: report.achieved_rate_per_sec,
    cpuPerEvent: ((Number(m[3]) + Number(m[4])) * 1e6) / report.records,
    rssMb: Number(m[2]) / 1024,
  });
}

try {
  const recording = join(work, 'recording.jsonl');
  cli('record (unpaced, --out)', '-', ['simulate', '--events', String(N), '--out', recording]);
  rows.pop(); // the recording is only the replay's input
  await bareKafkajs();
  await barePlatformatic();
  await bareConfluent();
  for (const c of CLIENTS) await transportProduce(c);
  const brokersFlag = ['--brokers', B.join(',')];
  for (const c of CLIENTS) {
    for (const t of THREADS) {
      await freshPipelineTopics();
      cli(`rtap simulate --threads ${t}`, c, [
        'simulate',
        ...brokersFlag,
        '--events',
        String(N),
        '--rate',
        '10M/s',
        '--threads',
        String(t),
        '--kafka-client',
        c,
      ]);
    }
    await freshPipelineTopics();
    cli('rtap simulate --replay --speed max', c, [
      'simulate',
      ...brokersFlag,
      '--replay',
      recording,
      '--speed',
      'max',
      '--kafka-client',
      c,
    ]);
  }
  const bare = new Map(rows.filter((r) => r.name === 'bare client').map((r) => [r.client, r.rate]));
  console.log(
    `broker: ${broker.where}; ${N} simulator records (Avro, ~${Math.round(bytes)} B), acks=all, idempotent; machine load average ${(await import('node:os')).loadavg()[0].toFixed(1)}`,
  );
  console.log(
    `${'what'.padEnd(36)} ${'client'.padEnd(24)} ${'events/s'.padStart(9)} ${'× bare'.padStart(7)} ${'CPU-µs/event'.padStart(13)} ${'peak RSS'.padStart(9)}`,
  );
  for (const r of rows) {
    const ratio = bare.get(r.client === '-' ? 'kafkajs' : r.client);
    console.log(
      `${r.name.padEnd(36)} ${r.client.padEnd(24)} ${Math.round(r.rate).toString().padStart(9)} ${(ratio ? (r.rate / ratio).toFixed(2) : '-').padStart(7)} ${(r.cpuPerEvent?.toFixed(1) ?? '-').padStart(13)} ${(r.rssMb ? `${Math.round(r.rssMb)} MB` : '-').padStart(9)}`,
    );
  }
} finally {
  await transport.close();
  await broker.stop();
  rmSync(work, { recursive: true, force: true });
}

/**
 * The whole pipeline against its parts, in one run (issue 17): the same backlog of seeded events in the
 * input topics of a real broker, drained by
 *   1. bare kafkajs consume loops: eachBatch counting the records of each fetched batch (the client's
 *      ceiling), eachMessage (kafkajs's documented loop: a call per record), and eachMessage decoding each
 *      value (the least a consumer that reads the events does),
 *   2. `rtap process --patterns none` (every view, no CEP), exactly-once (checkpoints in transactions),
 *   3. `rtap process` with everything on (every view, every shipped pattern), exactly-once,
 * each as a fresh consumer group, and the ratios to the bare loop; then file mode (`rtap process --input`)
 * over recordings of each --file-events size, with and without patterns, for the CPU time per event and
 * how it grows with the input.
 *
 *   npm run build && node --import tsx bench/pipeline-throughput.ts [--events 1000000]
 *     [--file-events 100000,1000000] [--threads 1,2] [--brokers host:port] [--skip-kafka] [--skip-file]
 *     [--profile DIR]   (a CPU profile of every rtap run, for `node --cpu-prof` analysis)
 *
 * Rates of the rtap runs are records consumed over their busy period (first to last batch, from the run's
 * --json summary), with the default checkpoint interval (10 s); a run is stopped once the group's committed
 * offsets reach the end of every input partition. CPU is the child's user + system time from /proc, for
 * the whole run (the idle seconds until the last checkpoint included).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import { decodeEvent } from '../src/events/codec.js';
import { defaultSimulatorConfig, generateRecords } from '../src/simulator/index.js';
import { partitionForKey } from '../src/transport/partitioner.js';
import { DEFAULT_PARTITIONS, INPUT_TOPICS } from '../src/transport/topics.js';
import { benchBroker } from './kafka-broker.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    'file-events': { type: 'string', default: '100000,1000000' },
    threads: { type: 'string' },
    brokers: { type: 'string' },
    'skip-kafka': { type: 'boolean', default: false },
    'skip-file': { type: 'boolean', default: false },
    /** Write a CPU profile (node --cpu-prof) of every rtap run into this directory. */
    profile: { type: 'string' },
  },
});
const N = Number(values.events);
const root = join(import.meta.dirname, '..');
const rtap = join(root, 'bin', 'rtap');
const dir = mkdtempSync(join(tmpdir(), 'rtap-pipeline-bench-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const CLK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** User + system CPU seconds of a live process, from /proc/<pid>/stat (children of it included once reaped). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14-17 of stat (utime, stime, cutime, cstime), counted from field 3 here.
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLK;
}

interface Row {
  what: string;
  rate: number;
  cpuPerMillion: number;
}
const rows: Row[] = [];

async function kafkaRuns(): Promise<void> {
  const broker = await benchBroker(values.brokers);
  const brokers = broker.brokers.join(',');
  const kafka = new kafkajs.Kafka({ brokers: broker.brokers, logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const prov = spawnSync(process.execPath, [rtap, 'provision', '--brokers', brokers], { encoding: 'utf8' });
    if (prov.status !== 0) throw new Error(`provision failed: ${prov.stderr}`);
    await produceBacklog(kafka);
    for (const mode of BARE_MODES) rows.push(await bareConsume(kafka, mode));
    const threads = values.threads?.split(',') ?? [null];
    for (const t of threads) {
      const th = t === null ? [] : ['--threads', t];
      const label = t === null ? '' : `, --threads ${t}`;
      rows.push(
        await rtapDrain(admin, brokers, `rtap process --patterns none${label}`, [
          '--patterns',
          'none',
          ...th,
        ]),
      );
      rows.push(await rtapDrain(admin, brokers, `rtap process, everything on${label}`, th));
    }
  } finally {
    await admin.disconnect();
    await broker.stop();
  }
  console.log(`\nbacklog: ${fmt(N)} events (${broker.where}); ${cpus().length} cores`);
  const bare = rows.slice(0, BARE_MODES.length).map((r) => r.rate);
  console.log(
    `drain                                       events/s   CPU-s per 1M   ratio to bare: ${BARE_MODES.join(' / ')}`,
  );
  for (const r of rows)
    console.log(
      `${r.what.padEnd(42)} ${fmt(r.rate).padStart(9)}   ${r.cpuPerMillion.toFixed(1).padStart(12)}   ${bare.map((b) => `${(r.rate / b).toFixed(2)}×`).join(' / ')}`,
    );
}

/** The seeded stream rtap simulate produces (Avro values, keyed), sent with large batches by kafkajs. */
async function produceBacklog(kafka: InstanceType<typeof kafkajs.Kafka>): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const t0 = performance.now();
  const config = { ...defaultSimulatorConfig(), seed: 42, warmStartRatePerSec: 200 };
  let batch = new Map<string, kafkajs.Message[]>();
  let n = 0;
  const flush = async () => {
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...batch].map(([topic, messages]) => ({ topic, messages })),
    });
    batch = new Map();
  };
  for (const { record } of generateRecords(config, { ratePerSec: 200, events: N })) {
    const list = batch.get(record.topic) ?? [];
    list.push({
      key: record.key,
      value: record.value,
      partition: record.key === null ? 0 : partitionForKey(record.key, DEFAULT_PARTITIONS[record.topic]),
    });
    batch.set(record.topic, list);
    if (++n % 5000 === 0) await flush();
  }
  await flush();
  await producer.disconnect();
  process.stderr.write(
    `backlog: ${fmt(N)} events produced in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );
}

const BARE_MODES = ['eachBatch', 'eachMessage', 'eachMessage + decode'] as const;
type BareMode = (typeof BARE_MODES)[number];

async function bareConsume(kafka: InstanceType<typeof kafkajs.Kafka>, mode: BareMode): Promise<Row> {
  const consumer = kafka.consumer({ groupId: `bench-bare-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: INPUT_TOPICS, fromBeginning: true });
  let seen = 0;
  let first = 0;
  let cpu0 = process.cpuUsage();
  // Decoded events land here so that the decode is not optimised away.
  let sink = 0;
  const done = new Promise<number>((resolve) => {
    const started = () => {
      if (seen === 0) {
        first = performance.now();
        cpu0 = process.cpuUsage();
      }
    };
    void consumer.run(
      mode === 'eachBatch'
        ? {
            eachBatch: async ({ batch }) => {
              started();
              seen += batch.messages.length;
              if (seen >= N) resolve(performance.now());
            },
          }
        : {
            eachMessage: async ({ message }) => {
              started();
              if (mode === 'eachMessage + decode' && message.value)
                sink += decodeEvent(message.value).event_time;
              if (++seen >= N) resolve(performance.now());
            },
          },
    );
  });
  const end = await done;
  const cpu = process.cpuUsage(cpu0);
  await consumer.disconnect();
  const secs = (end - first) / 1000;
  if (Number.isNaN(sink)) process.stderr.write('(a decoded timestamp was not a number)\n');
  return {
    what: `bare kafkajs, ${mode}`,
    rate: N / secs,
    cpuPerMillion: ((cpu.user + cpu.system) / 1e6 / N) * 1e6,
  };
}

async function committedAtEnd(admin: kafkajs.Admin, group: string): Promise<boolean> {
  try {
    for (const t of INPUT_TOPICS) {
      const ends = await admin.fetchTopicOffsets(t);
      const [mine] = await admin.fetchOffsets({ groupId: group, topics: [t] });
      for (const e of ends) {
        const c = mine.partitions.find((p) => p.partition === e.partition);
        if (Number(e.high) > 0 && Number(c?.offset ?? -1) < Number(e.high)) return false;
      }
    }
    return true;
  } catch {
    return false;
  }
}

async function rtapDrain(admin: kafkajs.Admin, brokers: string, what: string, extra: string[]): Promise<Row> {
  const group = `bench-${rows.length}-${Date.now()}`;
  const summary = join(dir, `${group}.json`);
  const args = [
    rtap,
    'process',
    '--brokers',
    brokers,
    '--group',
    group,
    '--from-beginning',
    '--sink',
    'topics',
  ];
  args.push('--checkpoint-dir', join(dir, group), '--json', summary, ...extra);
  const prof = values.profile ? ['--cpu-prof', '--cpu-prof-dir', values.profile] : [];
  const child = spawn(process.execPath, [...prof, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CI: '1' },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let cpu = 0;
  // Caught up once the checkpoints (every 10 s by default) committed the end of every input partition.
  while (!(await committedAtEnd(admin, group))) {
    await sleep(500);
    if (child.exitCode !== null)
      throw new Error(`${what} exited (${child.exitCode}):\n${stderr.slice(-3000)}`);
    cpu = cpuSeconds(child.pid!);
  }
  cpu = cpuSeconds(child.pid!);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const s = JSON.parse(readFileSync(summary, 'utf8')) as {
    consumed: number;
    first_batch_at: number;
    last_batch_at: number;
  };
  const secs = (s.last_batch_at - s.first_batch_at) / 1000;
  process.stderr.write(`${what}: ${fmt(s.consumed)} records in ${secs.toFixed(1)} s\n`);
  return { what, rate: s.consumed / secs, cpuPerMillion: (cpu / s.consumed) * 1e6 };
}

/** File mode: CPU seconds and wall time of `rtap process --input` (with /usr/bin/time for the child's rusage). */
function fileRun(file: string, extra: string[]): { cpu: number; wall: number; rssMb: number } {
  const r = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      '%U %S %e %M',
      process.execPath,
      rtap,
      'process',
      '--input',
      file,
      '--output',
      '/dev/null',
      ...extra,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`file mode failed: ${r.stderr}`);
  const [u, s, e, m] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { cpu: u + s, wall: e, rssMb: m / 1024 };
}

function fileRuns(): void {
  const sizes = values['file-events']!.split(',').map(Number);
  const lines: string[] = [];
  const cpuAll: number[] = [];
  for (const n of sizes) {
    const file = join(dir, `events-${n}.jsonl`);
    const sim = spawnSync(
      process.execPath,
      [rtap, 'simulate', '--seed', '42', '--events', String(n), '--out', file],
      {
        encoding: 'utf8',
      },
    );
    if (sim.status !== 0) throw new Error(sim.stderr);
    const none = fileRun(file, ['--patterns', 'none']);
    const all = fileRun(file, []);
    cpuAll.push(all.cpu);
    lines.push(
      `${fmt(n).padStart(10)}   ${none.cpu.toFixed(1).padStart(8)} s   ${all.cpu.toFixed(1).padStart(8)} s   ${(all.cpu / none.cpu).toFixed(2).padStart(6)}×   ${fmt(n / all.wall).padStart(9)}/s   ${fmt(all.rssMb).padStart(6)} MB`,
    );
  }
  console.log('\nfile mode (rtap process --input)');
  console.log('    events   CPU --patterns none   CPU everything on   ratio   rate (all on)   peak RSS');
  for (const l of lines) console.log(l);
  if (sizes.length >= 2)
    console.log(
      `CPU of ${fmt(sizes[sizes.length - 1])} events / ${fmt(sizes[0])}: ${(cpuAll[cpuAll.length - 1] / cpuAll[0]).toFixed(1)}× for ${(sizes[sizes.length - 1] / sizes[0]).toFixed(0)}× the events`,
    );
}

try {
  if (!values['skip-kafka']) await kafkaRuns();
  if (!values['skip-file']) fileRuns();
  console.log(
    `\nnode ${process.version}; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

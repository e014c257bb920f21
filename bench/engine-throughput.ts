/**
 * Engine throughput on one core with every view on: from decoded events, and from Avro bytes (Confluent wire
 * format, decodeAvro per record, as the pipeline does). Events come from the seeded simulator, keyed onto 12
 * partitions with the Kafka partitioner; ticks every 1,000 events with wall time = event time, so watermarks,
 * window closing, dedup expiry and early emission (every second) all run as in a live pipeline.
 *
 *   node --import tsx bench/engine-throughput.ts [events=1000000] [rate=50000] [repeats=3]
 */
import { createEngine, defaultEngineConfig, type EngineConfig } from '../src/engine/index.js';
import { decodeAvro } from '../src/events/codec.js';
import type { AnalyticsEvent } from '../src/events/types.js';
import { createGenerator } from '../src/simulator/generator.js';
import { defaultSimulatorConfig } from '../src/simulator/config.js';
import { partitionForKey } from '../src/transport/partitioner.js';

const N = Number(process.argv[2] ?? 1_000_000);
const RATE = Number(process.argv[3] ?? 50_000);
const REPEATS = Number(process.argv[4] ?? 3);
const PARTITIONS = 12;
/** Events handed to the engine at a time, as a consumer batch would be. */
const CHUNK = 4096;

const sim = {
  ...defaultSimulatorConfig(),
  seed: 7,
  encoding: 'avro' as const,
  duplicateShare: 0.01,
  lateShare: 0.01,
  lateDelayMs: 5000,
  malformedShare: 0,
};
const gen = createGenerator(sim);
// The stream is kept as Avro bytes in one buffer, not as a million decoded objects: a live pipeline never
// holds its input, and a heap full of retained events makes every major GC mark them, which charged the
// engine for the bench's own data (about 470 bytes of heap per event held).
const encoded: Buffer[] = [];
const offsets: number[] = [0];
const partitionOf: number[] = [];
const wallOf: number[] = [];
for (let i = 0; i < N; i++) {
  const rec = gen.next(sim.startTime + (i * 1000) / RATE);
  if (!rec.event) continue;
  encoded.push(rec.value);
  offsets.push(offsets[offsets.length - 1] + rec.value.length);
  partitionOf.push(partitionForKey(rec.key ?? '', PARTITIONS));
  wallOf.push(rec.event.intended_send_time);
}
const stream = Buffer.concat(encoded);
encoded.length = 0;
const COUNT = partitionOf.length;
const topic = sim.topics.events;
const bytesOf = (i: number) => stream.subarray(offsets[i], offsets[i + 1]);

interface Rate {
  cpu: number;
  wall: number;
  emitted: number;
  stats: ReturnType<ReturnType<typeof createEngine>['stats']>;
}

/**
 * One pass over the stream. Decoded events are decoded a chunk at a time outside the timed part (an upstream
 * stage's work); from Avro bytes, decoding is timed with the engine. Ticks every 1,000 events with wall time
 * = event time, so watermarks, window closing, dedup expiry and early emission (every second) all run as in
 * a live pipeline.
 */
function pass(cfg: EngineConfig, fromBytes: boolean): Rate {
  let emitted = 0;
  const engine = createEngine(cfg, { emit: () => void emitted++, late: () => {}, duplicate: () => {} });
  const source = { topic, partition: 0, offset: 0 };
  const batch: AnalyticsEvent[] = new Array<AnalyticsEvent>(CHUNK);
  let cpuUs = 0;
  let wallMs = 0;
  for (let from = 0; from < COUNT; from += CHUNK) {
    const to = Math.min(COUNT, from + CHUNK);
    if (!fromBytes) for (let i = from; i < to; i++) batch[i - from] = decodeAvro(bytesOf(i));
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    for (let i = from; i < to; i++) {
      const e = fromBytes ? decodeAvro(bytesOf(i)) : batch[i - from];
      source.partition = partitionOf[i];
      source.offset = i;
      const wall = wallOf[i];
      engine.process(e, source, wall);
      if (i % 1000 === 999) engine.tick(wall);
    }
    if (to === COUNT) engine.drain(wallOf[COUNT - 1] + 1);
    const cpu = process.cpuUsage(cpu0);
    cpuUs += cpu.user + cpu.system;
    wallMs += performance.now() - start;
  }
  return { cpu: COUNT / (cpuUs / 1e6), wall: COUNT / (wallMs / 1000), emitted, stats: engine.stats() };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** The median of REPEATS passes (the rate varies by 10-20 % from pass to pass on a shared machine). */
function run(label: string, cfg: EngineConfig, fromBytes: boolean) {
  const passes = Array.from({ length: REPEATS }, () => pass(cfg, fromBytes));
  const cpu = passes.map((p) => p.cpu);
  const { emitted, stats } = passes[0];
  // Events per CPU-second is what one dedicated core would do; wall-clock rate drops when the machine is shared.
  console.log(
    `${label.padEnd(34)} ${fmt(median(cpu)).padStart(10)} events/CPU-s ` +
      `(${fmt(Math.min(...cpu))}-${fmt(Math.max(...cpu))}) ` +
      `${fmt(median(passes.map((p) => p.wall))).padStart(10)} events/s wall  ` +
      `(${emitted.toLocaleString('en-US')} results; late ${stats.late}, duplicates ${stats.duplicates})`,
  );
}

console.log(
  `${COUNT.toLocaleString('en-US')} events at ${RATE.toLocaleString('en-US')}/s of event time, ${PARTITIONS} partitions, ` +
    `median of ${REPEATS} passes, node ${process.version}`,
);
const all = defaultEngineConfig();
// Warm-up pass so the JIT has compiled the hot paths before anything is timed.
pass(all, false);
run('all views, decoded events', all, false);
run('all views, from Avro bytes', all, true);
run('all views, HLL distinct, decoded', { ...all, distinct: 'hll' }, false);
run('all views, finals only, decoded', { ...all, earlyIntervalMs: null }, false);
for (const v of all.views) run(`only ${v}, decoded`, { ...all, views: [v] }, false);
const decodeRates = Array.from({ length: REPEATS }, () => {
  const c0 = process.cpuUsage();
  for (let i = 0; i < COUNT; i++) decodeAvro(bytesOf(i));
  const c1 = process.cpuUsage(c0);
  return COUNT / ((c1.user + c1.system) / 1e6);
});
console.log(`${'decodeAvro alone'.padEnd(34)} ${fmt(median(decodeRates)).padStart(10)} events/CPU-s`);
console.log(
  `load average while running: ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} on ${(await import('node:os')).cpus().length} cores`,
);

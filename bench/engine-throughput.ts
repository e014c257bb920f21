/**
 * Engine throughput on one core with every view on: from decoded events, and from Avro bytes (Confluent wire
 * format, decodeAvro per record, as the pipeline does). Events come from the seeded simulator, keyed onto 12
 * partitions with the Kafka partitioner; ticks every 1,000 events with wall time = event time, so watermarks,
 * window closing, dedup expiry and early emission (every second) all run as in a live pipeline.
 *
 *   node --import tsx bench/engine-throughput.ts [events=1000000] [rate=50000]
 */
import { createEngine, defaultEngineConfig, type EngineConfig } from '../src/engine/index.js';
import { decodeAvro } from '../src/events/codec.js';
import type { AnalyticsEvent } from '../src/events/types.js';
import { createGenerator } from '../src/simulator/generator.js';
import { defaultSimulatorConfig } from '../src/simulator/config.js';
import { partitionForKey } from '../src/transport/partitioner.js';

const N = Number(process.argv[2] ?? 1_000_000);
const RATE = Number(process.argv[3] ?? 50_000);
const PARTITIONS = 12;

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
const bytes: Buffer[] = [];
const events: AnalyticsEvent[] = [];
const partitions: number[] = [];
const t0 = sim.startTime;
for (let i = 0; i < N; i++) {
  const rec = gen.next(t0 + (i * 1000) / RATE);
  if (!rec.event) continue;
  bytes.push(rec.value);
  events.push(rec.event);
  partitions.push(partitionForKey(rec.key ?? '', PARTITIONS));
}
const topic = sim.topics.events;

function run(label: string, cfg: EngineConfig, fromBytes: boolean) {
  let emitted = 0;
  const engine = createEngine(cfg, { emit: () => void emitted++, late: () => {}, duplicate: () => {} });
  const source = { topic, partition: 0, offset: 0 };
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < events.length; i++) {
    const e = fromBytes ? decodeAvro(bytes[i]) : events[i];
    source.partition = partitions[i];
    source.offset = i;
    const wall = events[i].intended_send_time;
    engine.process(e, source, wall);
    if (i % 1000 === 999) engine.tick(wall);
  }
  engine.drain(events.at(-1)!.intended_send_time + 1);
  const secs = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  const s = engine.stats();
  // Events per CPU-second is what one dedicated core would do; wall-clock rate drops when the machine is shared.
  console.log(
    `${label.padEnd(34)} ${Math.round(events.length / cpuSecs)
      .toLocaleString('en-US')
      .padStart(10)} events/CPU-s ` +
      `${Math.round(events.length / secs)
        .toLocaleString('en-US')
        .padStart(10)} events/s wall  ` +
      `(${emitted.toLocaleString('en-US')} results; late ${s.late}, duplicates ${s.duplicates})`,
  );
}

console.log(
  `${events.length.toLocaleString('en-US')} events at ${RATE.toLocaleString('en-US')}/s of event time, ${PARTITIONS} partitions, node ${process.version}`,
);
const all = defaultEngineConfig();
// Warm-up pass so the JIT has compiled the hot paths before anything is timed.
run('warm-up (all views, decoded)', all, false);
run('all views, decoded events', all, false);
run('all views, from Avro bytes', all, true);
run('all views, HLL distinct, decoded', { ...all, distinct: 'hll' }, false);
run('all views, finals only, decoded', { ...all, earlyIntervalMs: null }, false);
for (const v of all.views) run(`only ${v}, decoded`, { ...all, views: [v] }, false);
const c0 = process.cpuUsage();
for (const b of bytes) decodeAvro(b);
const c1 = process.cpuUsage(c0);
console.log(
  `${'decodeAvro alone'.padEnd(34)} ${Math.round(bytes.length / ((c1.user + c1.system) / 1e6))
    .toLocaleString('en-US')
    .padStart(10)} events/CPU-s`,
);
console.log(
  `load average while running: ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} on ${(await import('node:os')).cpus().length} cores`,
);

/**
 * Memory flatness: steady simulated traffic through the engine (every view on) for a long stretch of
 * virtual time, printing heap used and state sizes every 10 virtual minutes. State must expire: after the
 * longest window (the 30-minute session gap) has turned over, the heap stays flat.
 *
 *   node --expose-gc --import tsx bench/engine-memory.ts [hours=3] [rate=300]
 */
import { createEngine, defaultEngineConfig } from '../src/engine/index.js';
import { createGenerator } from '../src/simulator/generator.js';
import { defaultSimulatorConfig } from '../src/simulator/config.js';
import { partitionForKey } from '../src/transport/partitioner.js';

const HOURS = Number(process.argv[2] ?? 3);
const RATE = Number(process.argv[3] ?? 300);
const sim = {
  ...defaultSimulatorConfig(),
  seed: 11,
  encoding: 'json' as const,
  duplicateShare: 0.01,
  lateShare: 0.005,
  malformedShare: 0,
};
const gen = createGenerator(sim);
let results = 0;
const engine = createEngine(defaultEngineConfig(), {
  emit: () => void results++,
  late: () => {},
  duplicate: () => {},
});
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) console.error('(run with --expose-gc for exact heap figures)');
const source = { topic: sim.topics.events, partition: 0, offset: 0 };
const total = Math.round(HOURS * 3600 * RATE);
const reportEvery = 10 * 60 * RATE;
console.log(
  `${HOURS} h of virtual time at ${RATE} events/s (${total.toLocaleString('en-US')} events), all views, session gap 30 min`,
);
console.log('virtual min   heap MB   open windows/sessions   dedup ids   results');
for (let i = 1; i <= total; i++) {
  const t = sim.startTime + (i * 1000) / RATE;
  const rec = gen.next(t);
  if (rec.event) {
    source.partition = partitionForKey(rec.key ?? '', 12);
    source.offset = i;
    engine.process(rec.event, source, t);
  }
  if (i % 100 === 0) engine.tick(t);
  if (i % reportEvery === 0) {
    gc?.();
    const s = engine.stats();
    const heap = process.memoryUsage().heapUsed / 2 ** 20;
    console.log(
      `${String(Math.round(i / RATE / 60)).padStart(11)}   ${heap.toFixed(1).padStart(7)}   ${String(s.openWindows).padStart(21)}   ${String(s.dedupEntries).padStart(9)}   ${String(results).padStart(7)}`,
    );
  }
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Alert, ViewResult } from '../../src/events/results.js';
import { defaultSimulatorConfig, generateRecords } from '../../src/simulator/index.js';
import type { Output, Sink } from '../../src/sinks/types.js';
import { openTransport } from '../../src/transport/open.js';
import { defaultPipeline, produceRecords } from './helpers.js';

/**
 * `--threads N` changes where the tasks run, never what they compute: the same seeded stream (duplicates,
 * late and malformed records, fraud, bounce spikes, several sessions per user) through the whole default
 * pipeline — every view, every shipped pattern — on one thread and on 2 and 3 worker threads gives the
 * same final results, alerts and dead letters. Wall-clock fields are left out (emission time, watermark
 * then, latencies); early results depend on wall time and are off.
 */
const EVENTS = 30_000;

function records() {
  const config = {
    ...defaultSimulatorConfig(),
    seed: 23,
    users: 400,
    sessionTimeoutMs: 6 * 60_000,
    fraudShare: 0.3,
    addToCartRate: 0.4,
    duplicateShare: 0.02,
    lateShare: 0.02,
    malformedShare: 0.005,
    bounceSpike: { everyMs: 10 * 60_000, durationMs: 60_000, share: 0.95 },
    warmStartRatePerSec: 20,
  };
  return [...generateRecords(config, { ratePerSec: 20, events: EVENTS })].map((r) => r.record);
}

function canonical(o: Output): string {
  if (o.kind === 'alert') {
    const { detected_at: _, ...a } = o.alert as Alert;
    return `alert ${JSON.stringify(a)}`;
  }
  const { emitted_at: _e, watermark: _w, ...r } = o.result as ViewResult;
  if (r.view === 'kpis')
    for (const f of Object.keys(r.fields))
      if (f.startsWith('latency_')) delete (r.fields as Record<string, unknown>)[f];
  return `result ${JSON.stringify(r)}`;
}

async function run(threads: number, input: ReturnType<typeof records>) {
  const transport = await openTransport();
  await produceRecords(transport, input);
  const outputs: string[] = [];
  const sink: Sink = {
    name: 'memory',
    write: (os) =>
      void os.forEach((o) =>
        o.kind === 'alert' || o.result.emit === 'final' ? outputs.push(canonical(o)) : undefined,
      ),
    flush: async () => {},
    close: async () => {},
    stats: () => ({ written: outputs.length, retried: 0, buffered: 0, failed: 0 }),
  };
  const processor = await defaultPipeline(transport, [sink], { threads });

  const deadLetters: string[] = [];
  const running = processor.start();
  while (processor.counters.consumed < input.length) await new Promise((r) => setTimeout(r, 20));
  await processor.drain();
  await processor.stop();
  await running;
  const consumer = transport.consumer({
    groupId: 'dlq-reader',
    topics: ['events-deadletter'],
    fromBeginning: true,
  });
  const reading = consumer.run(async (b) => {
    for (const r of b.records)
      deadLetters.push(
        `${r.headers['rtap-kind']} ${r.headers['rtap-reason-code']} ${r.value.toString('base64')}`,
      );
  });
  const want = processor.counters.deadLetters;
  while (deadLetters.length < want) await new Promise((r) => setTimeout(r, 20));
  await consumer.stop();
  await reading;
  await transport.close();
  return { outputs: outputs.sort(), deadLetters: deadLetters.sort(), counters: processor.counters };
}

test('the default pipeline gives the same finals, alerts and dead letters on 1, 2 and 3 threads', async () => {
  const input = records();
  const one = await run(1, input);
  assert.ok(one.outputs.filter((o) => o.startsWith('alert')).length > 20, 'alerts to compare');
  assert.ok(one.outputs.length > 1000, 'results to compare');
  assert.ok(one.counters.duplicates > 0 && one.counters.malformed > 0, 'faults to compare');
  for (const threads of [2, 3]) {
    const other = await run(threads, input);
    assert.equal(other.counters.consumed, one.counters.consumed);
    assert.deepEqual(
      { dup: other.counters.duplicates, late: other.counters.late, malformed: other.counters.malformed },
      { dup: one.counters.duplicates, late: one.counters.late, malformed: one.counters.malformed },
    );
    const have = new Set(other.outputs);
    const want = new Set(one.outputs);
    assert.deepEqual(
      {
        missing: one.outputs.filter((o) => !have.has(o)).slice(0, 3),
        extra: other.outputs.filter((o) => !want.has(o)).slice(0, 3),
      },
      { missing: [], extra: [] },
      `${threads} threads`,
    );
    assert.deepEqual(other.outputs, one.outputs, `${threads} threads: the same multiset`);
    assert.deepEqual(other.deadLetters, one.deadLetters, `${threads} threads: dead letters`);
  }
});

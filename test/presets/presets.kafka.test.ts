import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';
import { createKafkaTransport } from '../../src/transport/kafka/index.js';
import type { BenchReport } from '../../src/reporting/report.js';

const brokers = process.env.RTAP_KAFKA_BROKERS!;

test("kpis on the real broker: provision creates 004's topics, bench runs through them", async () => {
  const prov = await runCli(['provision', '--preset', 'kpis', '--brokers', brokers, '--json']);
  assert.equal(prov.code, 0, prov.stderr);
  const t = createKafkaTransport({ brokers: brokers.split(','), connectTimeoutMs: 20_000 });
  try {
    const described = await t.admin().describeTopics(['events_raw', 'events_deadletter']);
    assert.deepEqual(
      described.map((d) => [d.name, d.partitions]),
      [
        ['events_raw', 3],
        ['events_deadletter', 1],
      ],
    );
    const r = await runCli(
      [
        'bench',
        '--preset',
        'kpis',
        '--brokers',
        brokers,
        '--rate',
        '300/s',
        '--duration',
        '6s',
        '--warmup',
        '0s',
        '--threads',
        '1',
        '--json',
      ],
      { timeoutMs: 180_000 },
    );
    assert.ok(r.code === 0 || r.code === 99, `exit ${r.code}\n${r.stderr}`);
    const report = JSON.parse(r.stdout) as BenchReport;
    assert.match(report.meta.transport, /kafka/i);
    // The processor reads only events_raw (the preset's one input topic): what it consumed went there.
    assert.ok(report.pipeline.consumed >= 1500, String(report.pipeline.consumed));
    assert.equal(report.preset!.name, 'kpis');
    assert.equal(report.preset!.targets.length, 4);
    assert.equal(r.code === 99, !report.preset!.passed);
  } finally {
    await t.close();
  }
});

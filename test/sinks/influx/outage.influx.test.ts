import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInfluxSink, type InfluxSinkStats } from '../../../src/sinks/influx/index.js';
import { startVictoriaMetrics, type VictoriaMetrics } from '../../services/influx.js';
import { expectedByMeasurement, type ExpectedPoint } from './expected.js';
import { asStored, countSamples, readMeasurement, type Target } from './readback.js';
import { seededRun, type SeededRun } from './seeded.js';

/**
 * Acceptance: the server goes away in the middle of a run and comes back. Two kinds of outage:
 * - stopped (30 s): connections are refused, so nothing of a failed request reaches the server;
 * - hung (SIGSTOP for 40 s, longer than the request timeout): the kernel still accepts connections and
 *   buffers the requests, the sink times out and sends the batch again, and when the server wakes up it
 *   handles every queued copy. Only writes keyed by series + timestamp make those copies harmless.
 * These tests stop, pause and restart the server, so they always run their own VictoriaMetrics (same
 * port, same data directory), also when RTAP_INFLUX_URL points at an InfluxDB.
 */
const servers: VictoriaMetrics[] = [];
after(async () => {
  for (const vm of servers) await vm.destroy();
});

const CHUNK = 25;
const MAX_BUFFERED = 2000;
const TIMEOUT_MS = 2000;

interface OutageRun {
  run: SeededRun;
  tags: Record<string, string>;
  stats: InfluxSinkStats;
  logs: string[];
  maxBuffered: number;
  longestWaitMs: number;
}

/**
 * The producer: 25 outputs every 100 ms, awaiting the sink like the pipeline does, while `outage` runs
 * (it starts 5 s in); then flush and close.
 */
async function writeThrough(
  vm: VictoriaMetrics,
  run: string,
  outage: () => Promise<void>,
): Promise<OutageRun> {
  const tags = { run };
  const seeded = seededRun(21, Math.floor(Date.now() / 3_600_000) * 3_600_000 - 7_200_000, 1000);
  const logs: string[] = [];
  const sink = createInfluxSink({
    url: vm.url,
    batchSize: 200,
    flushIntervalMs: 100,
    maxBufferedPoints: MAX_BUFFERED,
    minRetryDelayMs: 100,
    maxRetryDelayMs: 2000,
    breakerThreshold: 5,
    breakerOpenMs: 2000,
    timeoutMs: TIMEOUT_MS,
    tags,
    log: (m) => logs.push(m),
  });
  const down = (async () => {
    await sleep(5000);
    await outage();
  })();
  let maxBuffered = 0;
  let longestWaitMs = 0;
  for (let i = 0; i < seeded.outputs.length; i += CHUNK) {
    const t0 = Date.now();
    await sink.write(seeded.outputs.slice(i, i + CHUNK));
    longestWaitMs = Math.max(longestWaitMs, Date.now() - t0);
    maxBuffered = Math.max(maxBuffered, sink.stats().buffered);
    await sleep(100);
  }
  await down;
  await sink.flush();
  const stats = sink.stats();
  await sink.close();
  return { run: seeded, tags, stats, logs, maxBuffered, longestWaitMs };
}

/** Reads every measurement back; asserts nothing is missing, nothing extra, nothing twice. Returns the points. */
async function assertStoredOnce(
  target: Target,
  r: OutageRun,
  checkValues: boolean,
): Promise<Map<string, ExpectedPoint>[]> {
  const expected = expectedByMeasurement(r.run.outputs, r.tags);
  for (const [measurement, points] of expected) {
    const back = await readMeasurement(target, measurement, r.tags);
    assert.equal(back.duplicates, 0, `${measurement}: duplicated samples`);
    assert.equal(back.points.size, points.size, `${measurement}: points read back vs results produced`);
    assert.deepEqual(
      [...back.points.keys()].sort(),
      [...points.keys()].sort(),
      `${measurement}: point identities`,
    );
    for (const [id, want] of points) {
      const got = back.points.get(id)!.fields;
      assert.deepEqual(Object.keys(got).sort(), Object.keys(want.fields).sort(), `${measurement} ${id}`);
      if (checkValues)
        for (const [f, v] of Object.entries(want.fields))
          assert.equal(got[f], asStored(target.kind, v), `${measurement} ${id} ${f}`);
    }
  }
  return [...expected.values()];
}

function assertRecovered(r: OutageRun, total: number): void {
  const { stats, logs } = r;
  assert.equal(stats.written, total);
  assert.equal(stats.failed, 0);
  assert.equal(stats.buffered, 0);
  assert.ok(stats.retried > 0, `retried ${stats.retried}`);
  assert.ok(stats.failed_requests > 0);
  assert.ok(stats.breaker_opens >= 1, `breaker opened ${stats.breaker_opens} times`);
  assert.ok(stats.backpressure_waits > 0, 'the writer was paused while the buffer was full');
  // Without back-pressure 30 s of production (~6000 points) would have piled up in the buffer.
  assert.ok(r.maxBuffered <= MAX_BUFFERED + CHUNK, `buffer peaked at ${r.maxBuffered}`);
  assert.ok(
    logs.some((m) => /circuit breaker open/.test(m)),
    logs.join('\n'),
  );
  assert.ok(
    logs.some((m) => /buffer full .* pausing the pipeline/.test(m)),
    logs.join('\n'),
  );
  assert.ok(
    logs.some((m) => /succeed again .* none lost/.test(m)),
    logs.join('\n'),
  );
  assert.ok(logs.length < 15, `warnings stay few (${logs.length})`);
}

const pointCount = (byMeasurement: Map<string, ExpectedPoint>[]) =>
  byMeasurement.reduce((n, m) => n + m.size, 0);
const fieldCount = (byMeasurement: Map<string, ExpectedPoint>[]) =>
  byMeasurement.reduce(
    (n, m) => n + [...m.values()].reduce((k, p) => k + Object.keys(p.fields).length, 0),
    0,
  );

describe('influx sink through a server outage', () => {
  it('stopped for 30 s: loses nothing, duplicates nothing, back-pressures the writer and reports the retries', async (t) => {
    // Raw storage (no deduplication): a refused connection never reaches the server, so not even a
    // stored copy may appear. The strictest check, possible only for this kind of outage.
    const vm = await startVictoriaMetrics({ dedup: false });
    servers.push(vm);
    const OUTAGE_MS = 30_000;
    let stopped = 0;
    let restarted = 0;
    const r = await writeThrough(vm, 'outage', async () => {
      await vm.stop();
      stopped = Date.now();
      await sleep(OUTAGE_MS);
      await vm.start();
      restarted = Date.now();
    });
    assert.ok(stopped > 0 && restarted - stopped >= OUTAGE_MS, 'the server was down for 30 s during the run');
    const target: Target = { kind: 'victoria-metrics', url: vm.url, token: '', org: 'rtap', bucket: 'rtap' };
    const expected = await assertStoredOnce(target, r, false);
    assertRecovered(r, pointCount(expected));
    t.diagnostic(
      `longest write() wait ${r.longestWaitMs} ms; stats ${JSON.stringify(r.stats)}; warnings:\n${r.logs.join('\n')}`,
    );
    assert.ok(
      r.logs.some((m) => /failed .*ECONNREFUSED/.test(m)),
      r.logs.join('\n'),
    );
  });

  it('hung (SIGSTOP) for 40 s: the re-sent copies land on the same points, 0 missing and 0 duplicated', async (t) => {
    // The server with InfluxDB's semantics (deduplication of equal series + timestamp), as users run it.
    const vm = await startVictoriaMetrics();
    servers.push(vm);
    const PAUSE_MS = 40_000;
    assert.ok(PAUSE_MS > 10 * TIMEOUT_MS, 'the hang outlasts many request timeouts');
    let paused = 0;
    let resumed = 0;
    const r = await writeThrough(vm, 'hung', async () => {
      vm.pause();
      paused = Date.now();
      await sleep(PAUSE_MS);
      vm.resume();
      resumed = Date.now();
    });
    assert.ok(paused > 0 && resumed - paused >= PAUSE_MS, 'the server hung for 40 s during the run');
    const target: Target = { kind: 'victoria-metrics', url: vm.url, token: '', org: 'rtap', bucket: 'rtap' };
    const expected = await assertStoredOnce(target, r, true);
    const points = pointCount(expected);
    // The same through the query engine: one sample per field of each point, not one per copy.
    assert.equal(await countSamples(target, r.tags), fieldCount(expected), 'samples a query counts');
    assertRecovered(r, points);
    // The scenario is real: the server parsed more lines than there are points, i.e. it received and
    // stored copies of timed-out requests (without deduplication they read back as duplicates).
    const received = await vm.influxLinesReceived();
    t.diagnostic(
      `server parsed ${received} lines for ${points} points; longest write() wait ${r.longestWaitMs} ms; ` +
        `stats ${JSON.stringify(r.stats)}; warnings:\n${r.logs.join('\n')}`,
    );
    assert.ok(received > points, `the server received re-sent copies (${received} lines, ${points} points)`);
    assert.ok(
      r.logs.some((m) => /failed .*timed out/i.test(m)),
      r.logs.join('\n'),
    );
  });
});

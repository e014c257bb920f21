import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInfluxSink } from '../../../src/sinks/influx/index.js';
import { startVictoriaMetrics, type VictoriaMetrics } from '../../services/influx.js';
import { expectedByMeasurement } from './expected.js';
import { readMeasurement, type Target } from './readback.js';
import { seededRun } from './seeded.js';

/**
 * Acceptance: the server is stopped for 30 s in the middle of a run and started again. This test needs to
 * stop and restart the server, so it always runs its own VictoriaMetrics (same port, same data directory),
 * also when RTAP_INFLUX_URL points at an InfluxDB.
 */
let vm: VictoriaMetrics;
before(async () => {
  vm = await startVictoriaMetrics();
});
after(async () => {
  await vm?.destroy();
});

const OUTAGE_MS = 30_000;
const CHUNK = 25;
const MAX_BUFFERED = 2000;

describe('influx sink through a 30 s server outage', () => {
  it('loses nothing, duplicates nothing, back-pressures the writer and reports the retries', async (t) => {
    const target: Target = { kind: 'victoria-metrics', url: vm.url, token: '', org: 'rtap', bucket: 'rtap' };
    const tags = { run: 'outage' };
    const run = seededRun(21, Math.floor(Date.now() / 3_600_000) * 3_600_000 - 7_200_000, 1000);
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
      timeoutMs: 2000,
      tags,
      log: (m) => logs.push(m),
    });

    let stopped = 0;
    let restarted = 0;
    const outage = (async () => {
      await sleep(5000);
      await vm.stop();
      stopped = Date.now();
      await sleep(OUTAGE_MS);
      await vm.start();
      restarted = Date.now();
    })();

    // The producer: 25 outputs every 100 ms, awaiting the sink like the pipeline does.
    let maxBuffered = 0;
    let longestWaitMs = 0;
    for (let i = 0; i < run.outputs.length; i += CHUNK) {
      const t0 = Date.now();
      await sink.write(run.outputs.slice(i, i + CHUNK));
      longestWaitMs = Math.max(longestWaitMs, Date.now() - t0);
      maxBuffered = Math.max(maxBuffered, sink.stats().buffered);
      await sleep(100);
    }
    await outage;
    await sink.flush();
    const stats = sink.stats();
    await sink.close();

    assert.ok(stopped > 0 && restarted - stopped >= OUTAGE_MS, 'the server was down for 30 s during the run');
    const expected = expectedByMeasurement(run.outputs, tags);
    let total = 0;
    for (const [measurement, points] of expected) {
      const back = await readMeasurement(target, measurement, tags);
      assert.equal(back.duplicates, 0, `${measurement}: duplicated samples`);
      assert.equal(back.points.size, points.size, `${measurement}: points read back vs results produced`);
      assert.deepEqual(
        [...back.points.keys()].sort(),
        [...points.keys()].sort(),
        `${measurement}: point identities`,
      );
      for (const [id, want] of points) {
        assert.deepEqual(
          Object.keys(back.points.get(id)!.fields).sort(),
          Object.keys(want.fields).sort(),
          `${measurement} ${id}`,
        );
      }
      total += points.size;
    }

    assert.equal(stats.written, total);
    assert.equal(stats.failed, 0);
    assert.equal(stats.buffered, 0);
    assert.ok(stats.retried > 0, `retried ${stats.retried}`);
    assert.ok(stats.failed_requests > 0);
    assert.ok(stats.breaker_opens >= 1, `breaker opened ${stats.breaker_opens} times`);
    assert.ok(stats.backpressure_waits > 0, 'the writer was paused while the buffer was full');
    // Without back-pressure 30 s of production (~6000 points) would have piled up in the buffer.
    assert.ok(maxBuffered <= MAX_BUFFERED + CHUNK, `buffer peaked at ${maxBuffered}`);
    t.diagnostic(
      `longest write() wait ${longestWaitMs} ms; stats ${JSON.stringify(stats)}; warnings:\n${logs.join('\n')}`,
    );
    assert.ok(
      logs.some((m) => /failed .*ECONNREFUSED/.test(m)),
      logs.join('\n'),
    );
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
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RtapError } from '../../../src/errors.js';
import { createPostgresSink } from '../../../src/sinks/postgres/index.js';
import { startPostgres, type PostgresServer } from '../../services/postgres.js';
import { expectedTables, readTables } from './readback.js';
import { seededEventflow } from './seeded.js';

/**
 * The database crashes (SIGKILL) in the middle of a run and comes back after crash recovery: the sink
 * must lose nothing, write nothing twice, back-pressure the writer while it is down and say so. This test
 * stops the server, so it runs a private cluster of its own.
 */
let server: PostgresServer;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.destroy();
});

const OUTAGE_MS = 8_000;
const CHUNK = 25;
const MAX_BUFFERED = 500;

describe('postgres sink through a crash and restart of the database', () => {
  it('loses nothing, duplicates nothing, keeps the last value of a re-delivered result, back-pressures', async (t) => {
    const outputs = seededEventflow(5, 40, 0.05);
    const logs: string[] = [];
    const sink = await createPostgresSink({
      url: server.url,
      schema: 'outage',
      batchSize: 100,
      flushIntervalMs: 100,
      maxBuffered: MAX_BUFFERED,
      minRetryDelayMs: 100,
      maxRetryDelayMs: 1000,
      breakerThreshold: 5,
      breakerOpenMs: 1000,
      timeoutMs: 2000,
      log: (m) => logs.push(m),
    });

    let downAt = 0;
    let upAt = 0;
    const outage = (async () => {
      await sleep(2000);
      await server.crash();
      downAt = Date.now();
      await sleep(OUTAGE_MS);
      await server.start();
      upAt = Date.now();
    })();

    // The producer: 25 outputs every 50 ms, awaiting the sink like the pipeline does.
    let maxBuffered = 0;
    for (let i = 0; i < outputs.length; i += CHUNK) {
      await sink.write(outputs.slice(i, i + CHUNK));
      maxBuffered = Math.max(maxBuffered, sink.stats().buffered);
      await sleep(50);
    }
    await outage;
    await sink.flush();
    const stats = sink.stats();
    await sink.close();

    assert.ok(downAt > 0 && upAt - downAt >= OUTAGE_MS, 'the database was down during the run');
    const want = expectedTables(outputs.flatMap((o) => (o.kind === 'result' ? [o.result] : [])));
    const got = await readTables(server.url, 'outage');
    let rows = 0;
    for (const table of Object.keys(want) as (keyof typeof want)[]) {
      assert.deepEqual([...got[table].keys()].sort(), [...want[table].keys()].sort(), `${table}: keys`);
      for (const [k, row] of want[table]) assert.deepEqual(got[table].get(k), row, `${table} ${k}`);
      rows += want[table].size;
    }
    const redelivered = outputs.length - 3 - rows;
    assert.ok(redelivered > 20, `${redelivered} results were delivered twice, with new values`);
    assert.equal(stats.written, rows + redelivered);
    assert.equal(stats.skipped, 3, 'the early result, the other view and the alert');
    assert.equal(stats.failed, 0);
    assert.equal(stats.buffered, 0);
    assert.ok(stats.retried > 0 && stats.failed_requests > 0, JSON.stringify(stats));
    assert.ok(stats.breaker_opens >= 1, `breaker opened ${stats.breaker_opens} times`);
    assert.ok(stats.backpressure_waits > 0, 'the writer was paused while the buffer was full');
    assert.ok(maxBuffered <= MAX_BUFFERED + CHUNK, `buffer peaked at ${maxBuffered}`);
    t.diagnostic(`stats ${JSON.stringify(stats)}; warnings:\n${logs.join('\n')}`);
    assert.ok(
      logs.some((m) => /write to postgres:\/\/.* failed/.test(m)),
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

  it('a database that does not exist fails at once, with a hint, and counts what was not written', async () => {
    const logs: string[] = [];
    const sink = await createPostgresSink({
      url: server.url.replace(/\/postgres$/, '/no_such_db'),
      flushIntervalMs: 0,
      log: (m) => logs.push(m),
    });
    const outputs = seededEventflow(1, 2);
    await sink.write(outputs);
    await assert.rejects(sink.flush(), (e: unknown) => {
      return (
        e instanceof RtapError &&
        /refused the write \(3D000 database "no_such_db" does not exist\); \d+ buffered rows were not written/.test(
          e.message,
        ) &&
        /does not exist: create it first/.test(e.hint ?? '')
      );
    });
    assert.ok(sink.stats().failed > 0);
    await assert.rejects(sink.close(), RtapError);
  });
});

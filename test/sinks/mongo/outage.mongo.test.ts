import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMongoSink } from '../../../src/sinks/mongo/index.js';
import type { Output } from '../../../src/sinks/types.js';
import { kpis } from '../../dashboard/synthetic.js';
import { startFerretDb, type FerretDb } from '../../services/mongo.js';
import { readMinutes, withDb } from './readback.js';

/**
 * The hot store's server is stopped in the middle of a run and started again on its data: the sink must
 * lose no minute, store none twice, keep the last delivery of a re-sent minute, back-pressure and say so.
 * It stops the server, so it runs a private FerretDB of its own.
 */
let server: FerretDb;
before(async () => {
  server = await startFerretDb();
});
after(async () => {
  await server?.destroy();
});

// Server selection fails after timeoutMs while the server is down: long enough for the breaker to open (3 failures).
const OUTAGE_MS = 14_000;
const MAX_BUFFERED = 60;
const T0 = 1_700_000_040_000 - (1_700_000_040_000 % 60_000);

describe('mongo sink through a restart of the server', () => {
  it('loses nothing, duplicates nothing, the last delivery of a minute wins, back-pressures', async (t) => {
    // 200 minutes, then 20 of them again with other revenue (a re-delivery after a restart).
    const outputs: Output[] = [];
    for (let m = 0; m < 200; m++)
      outputs.push({ kind: 'result', result: kpis(T0 + m * 60_000, [10 + (m % 7), 3, 2, 1], m) });
    for (let m = 100; m < 120; m++)
      outputs.push({ kind: 'result', result: kpis(T0 + m * 60_000, [10 + (m % 7), 3, 2, 1], 10_000 + m) });
    const logs: string[] = [];
    const sink = await createMongoSink({
      url: withDb(server.url, 'outage'),
      batchSize: 20,
      flushIntervalMs: 50,
      maxBuffered: MAX_BUFFERED,
      minRetryDelayMs: 100,
      maxRetryDelayMs: 1000,
      breakerThreshold: 3,
      breakerOpenMs: 1000,
      // Generous: on a loaded machine a FerretDB bulk upsert can take over a second.
      timeoutMs: 3000,
      log: (m) => logs.push(m),
    });
    // The server goes down once half the minutes are written, so the rest meet the outage whatever the pace.
    let downAt = 0;
    let upAt = 0;
    let outage: Promise<void> = Promise.resolve();
    let maxBuffered = 0;
    for (let i = 0; i < outputs.length; i += 5) {
      if (i === 100) {
        await server.stop();
        downAt = Date.now();
        outage = (async () => {
          await sleep(OUTAGE_MS);
          await server.start();
          upAt = Date.now();
        })();
      }
      await sink.write(outputs.slice(i, i + 5));
      maxBuffered = Math.max(maxBuffered, sink.stats().buffered);
      await sleep(25);
    }
    await outage;
    await sink.flush();
    const stats = sink.stats();
    await sink.close();

    assert.ok(downAt > 0 && upAt - downAt >= OUTAGE_MS, 'the server was down during the run');
    const docs = await readMinutes(server.url, 'outage');
    assert.equal(docs.size, 200);
    for (let m = 0; m < 200; m++) {
      const d = docs.get(T0 + m * 60_000)!;
      assert.equal(d.revenue, m >= 100 && m < 120 ? 10_000 + m : m, `minute ${m}`);
    }
    const said = `${JSON.stringify(stats)}\n${logs.join('\n')}`;
    assert.equal(stats.written, outputs.length, said);
    assert.equal(stats.failed, 0);
    assert.ok(stats.retried > 0 && stats.breaker_opens >= 1, JSON.stringify(stats) + '\n' + logs.join('\n'));
    assert.ok(stats.backpressure_waits > 0, 'the writer was paused while the buffer was full');
    assert.ok(maxBuffered <= MAX_BUFFERED + 5, `buffer peaked at ${maxBuffered}`);
    t.diagnostic(`stats ${JSON.stringify(stats)}; warnings:\n${logs.join('\n')}`);
    assert.ok(
      logs.some((m) => /succeed again .* none lost/.test(m)),
      logs.join('\n'),
    );
    assert.ok(logs.length < 15, `warnings stay few (${logs.length})`);
  });
});

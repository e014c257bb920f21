import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ViewResult } from '../../../src/events/results.js';
import { RtapError } from '../../../src/errors.js';
import { createInfluxSink } from '../../../src/sinks/influx/index.js';
import type { Output } from '../../../src/sinks/types.js';
import { freePort } from '../../services/influx.js';

/**
 * Sink behaviour when nothing listens on the port (a real refused connection, no server needed); the
 * behaviour against a live server is in the *.influx.test.ts files.
 */

function out(i: number, over: Partial<ViewResult> = {}): Output {
  return {
    kind: 'result',
    result: {
      view: 'v',
      key: `k${i}`,
      window_start: 0,
      window_end: 5000,
      emit: 'final',
      emitted_at: 0,
      watermark: 0,
      last_intended_send_time: 0,
      event_count: i,
      fields: { n: i },
      ...over,
    },
  };
}

const pending = Symbol('pending');
async function settledWithin(p: Promise<void> | void, ms: number): Promise<void | typeof pending> {
  return Promise.race([p, sleep(ms, pending)]);
}

describe('influx sink without a reachable server', () => {
  it('keeps every point, back-pressures above the high-water mark, and fails loudly at close', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const logs: string[] = [];
    const sink = createInfluxSink({
      url,
      batchSize: 5,
      maxBufferedPoints: 10,
      flushIntervalMs: 0,
      minRetryDelayMs: 5,
      maxRetryDelayMs: 20,
      breakerThreshold: 3,
      breakerOpenMs: 20,
      closeTimeoutMs: 400,
      log: (m) => logs.push(m),
    });
    assert.equal(
      await settledWithin(sink.write([out(1), out(2), out(3)]), 50),
      undefined,
      'room left: write resolves at once',
    );
    const blocked = sink.write(Array.from({ length: 9 }, (_, i) => out(10 + i)));
    assert.ok(blocked instanceof Promise);
    blocked.catch(() => {}); // it rejects at close; asserted below
    assert.equal(await settledWithin(blocked, 300), pending, 'above 10 buffered points the writer waits');

    const s = sink.stats();
    assert.equal(s.buffered, 12);
    assert.equal(s.written, 0);
    assert.equal(s.backpressure_waits, 1);
    assert.ok(s.retried >= 5 && s.failed_requests >= 3, JSON.stringify(s));
    assert.equal(s.breaker_opens, 1);
    assert.equal(s.breaker_open, 1);

    await assert.rejects(sink.close(), (e: unknown) => {
      return (
        e instanceof RtapError &&
        /12 points could not be delivered to http:\/\/127\.0\.0\.1:\d+ within 0\.4s/.test(e.message) &&
        /ECONNREFUSED/.test(e.message)
      );
    });
    await assert.rejects(blocked, RtapError);
    const end = sink.stats();
    assert.equal(end.failed, 12, 'undelivered points are counted, not dropped silently');
    assert.equal(end.buffered, 0);
    assert.ok(
      logs.some((m) => m.includes('ECONNREFUSED')) && logs.some((m) => m.includes('circuit breaker open')),
      logs.join('\n'),
    );
    assert.ok(logs.some((m) => m.includes('12 points could not be delivered')));
    assert.ok(
      logs.some((m) => m.includes('buffer full (12 points): pausing the pipeline')),
      logs.join('\n'),
    );
    await assert.rejects(
      async () => sink.write([out(99)]),
      /could not be delivered/,
      'a failed sink refuses further writes',
    );
  });

  it('skips early results unless asked, and resolves flush at once when nothing is pending', async () => {
    const sink = createInfluxSink({
      url: `http://127.0.0.1:${await freePort()}`,
      log: () => assert.fail('no warning expected'),
    });
    assert.equal(sink.write([out(1, { emit: 'early' }), out(2, { emit: 'early' })]), undefined);
    await sink.flush();
    assert.deepEqual([sink.stats().skipped_early, sink.stats().buffered], [2, 0]);
    await sink.close();
  });

  it('warns once per field that holds NaN or Infinity and counts every occurrence', async () => {
    const logs: string[] = [];
    const sink = createInfluxSink({
      url: `http://127.0.0.1:${await freePort()}`,
      closeTimeoutMs: 50,
      minRetryDelayMs: 5,
      maxRetryDelayMs: 5,
      log: (m) => logs.push(m),
    });
    sink.write([
      out(1, { fields: { r: NaN } }),
      out(2, { fields: { r: Infinity } }),
      out(3, { fields: { r: 1 } }),
    ]);
    assert.equal(sink.stats().invalid_fields, 2);
    assert.deepEqual(
      logs.filter((m) => m.includes('InfluxDB cannot store')),
      [
        'field r of rtap_v is NaN, which InfluxDB cannot store; left out of the point (counted in invalid_fields)',
      ],
    );
    await assert.rejects(sink.close(), /3 points could not be delivered/);
  });
});

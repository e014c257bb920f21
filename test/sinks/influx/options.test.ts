import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../../src/errors.js';
import { influxOptionsFromEnv, resolveInfluxOptions } from '../../../src/sinks/influx/options.js';

describe('influx sink options', () => {
  it('reads INFLUX_URL, INFLUX_TOKEN, INFLUX_ORG and INFLUX_BUCKET, ignoring unset or empty ones', () => {
    assert.deepEqual(
      influxOptionsFromEnv({
        INFLUX_URL: 'http://db:8086',
        INFLUX_TOKEN: 't0k',
        INFLUX_ORG: 'acme',
        INFLUX_BUCKET: '',
      }),
      { url: 'http://db:8086', token: 't0k', org: 'acme' },
    );
    assert.deepEqual(influxOptionsFromEnv({}), {});
  });

  it('fills defaults: batch size 1000 as in the reference documents, gzip on, finals only', () => {
    const r = resolveInfluxOptions({ url: 'http://localhost:8086' });
    assert.equal(r.batchSize, 1000);
    assert.equal(r.gzip, true);
    assert.equal(r.includeEarly, false);
    assert.equal(r.org, 'rtap');
    assert.equal(r.bucket, 'rtap');
    assert.equal(r.measurementPrefix, 'rtap_');
    assert.ok(r.maxBufferedPoints >= r.batchSize);
  });

  it('an explicit undefined does not erase a default', () => {
    assert.equal(resolveInfluxOptions({ url: 'http://x:1', batchSize: undefined }).batchSize, 1000);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    [
      'url',
      { url: 'localhost:8086' },
      /option url must be an http:\/\/ or https:\/\/ URL, got "localhost:8086"/,
    ],
    ['batchSize', { batchSize: 0 }, /option batchSize must be a positive integer, got 0/],
    ['batchSize', { batchSize: 1.5 }, /option batchSize must be a positive integer/],
    [
      'maxBufferedPoints',
      { batchSize: 500, maxBufferedPoints: 100 },
      /option maxBufferedPoints must be ≥ batchSize \(500\)/,
    ],
    ['flushIntervalMs', { flushIntervalMs: -1 }, /option flushIntervalMs must be a number ≥ 0/],
    ['retryJitter', { retryJitter: 2 }, /option retryJitter must be between 0 and 1/],
    ['org', { org: '' }, /option org must be a non-empty string/],
    ['tags', { tags: { run: '' } }, /option tags\.run must be a non-empty string/],
  ];
  for (const [name, over, message] of bad) {
    it(`rejects a bad ${name} with a usage error naming it`, () => {
      assert.throws(
        () => resolveInfluxOptions({ url: 'http://localhost:8086', ...over }),
        (e: unknown) => e instanceof UsageError && message.test(e.message),
      );
    });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as v from '../../src/config/values.js';
import { UsageError } from '../../src/errors.js';

test('rates accept per-second and per-minute forms with k/M suffixes', () => {
  assert.equal(v.rate('200/s', '--rate'), 200);
  assert.equal(v.rate('12k/min', '--rate'), 200);
  assert.equal(v.rate('10000/min', '--rate'), 10000 / 60);
  assert.equal(v.rate('1.5k/s', '--rate'), 1500);
  assert.equal(v.rate('300', '--rate'), 300);
  assert.equal(v.rate('3600/h', '--rate'), 1);
});

test('a bad rate names the flag, the value and the expected form', () => {
  assert.throws(
    () => v.rate('fast', '--rate'),
    (e: Error) =>
      e instanceof UsageError &&
      /invalid --rate 'fast': expected a positive rate like 200\/s/.test(e.message),
  );
  assert.throws(() => v.rate('0/s', '--rate'), UsageError);
  assert.throws(() => v.rate('-5/s', '--rate'), UsageError);
});

test('durations accept compound units and reject negatives and junk', () => {
  assert.equal(v.duration('30s', '--duration'), 30_000);
  assert.equal(v.duration('10m', '--duration'), 600_000);
  assert.equal(v.duration('1h30m', '--duration'), 5_400_000);
  assert.equal(v.duration('250ms', '--duration'), 250);
  assert.equal(v.duration('2', '--duration'), 2000);
  assert.throws(
    () => v.duration('-3', '--duration'),
    /invalid --duration '-3': expected a positive duration/,
  );
  assert.throws(() => v.duration('10 parsecs', '--duration'), UsageError);
  assert.throws(() => v.duration('0s', '--duration'), UsageError);
  assert.equal(v.durationOrZero('0', '--warmup'), 0);
});

test('counts, shares and brokers validate their forms', () => {
  assert.equal(v.count('100k', '--events'), 100_000);
  assert.equal(v.count('1M', '--events'), 1_000_000);
  assert.throws(() => v.count('1.5', '--events'), UsageError);
  assert.equal(v.share('2%', '--late-share'), 0.02);
  assert.equal(v.share('0.5', '--late-share'), 0.5);
  assert.throws(() => v.share('150%', '--late-share'), /between 0 and 1/);
  assert.deepEqual(v.brokers('127.0.0.1:9092, h2:9093', '--brokers'), ['127.0.0.1:9092', 'h2:9093']);
  assert.throws(() => v.brokers('localhost', '--brokers'), /host:port/);
});

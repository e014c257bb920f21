import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCep, parsePatterns } from '../../src/cep/index.js';
import { conversion } from './helpers.js';

const never = parsePatterns(`NAME never PATTERN (add_to_cart A) -> (purchase B) WITHIN 10 MINUTES`);

test('many keys that never complete: total partial matches stay under the cap, the oldest keys are evicted and counted', () => {
  const heard: [string, number, string][] = [];
  const cep = createCep(
    never,
    { alert: () => assert.fail('no alert expected'), evicted: (p, n, limit) => heard.push([p, n, limit]) },
    { maxPartialMatches: 1000 },
  );
  const keys = 20_000;
  let peak = 0;
  for (let i = 0; i < keys; i++) {
    cep.process(conversion('add_to_cart', `u${i}`, i), 0);
    cep.advanceWatermark(i, 0); // the watermark moves, but never past a 10-minute deadline
    peak = Math.max(peak, cep.stats().partialMatches);
  }
  const s = cep.stats();
  assert.ok(peak <= 1000, `peak ${peak}`);
  // Each key holds exactly one partial match, so everything beyond the cap was evicted.
  assert.equal(s.evicted + s.partialMatches, keys);
  assert.equal(s.partialMatches, 1000);
  assert.equal(s.keys, 1000);
  // Oldest first: the keys left are the last 1000 that started, and every eviction was told.
  const left = cep.snapshot().keys.map((k) => Number(k.key.slice(1)));
  assert.deepEqual(
    left.sort((a, b) => a - b),
    Array.from({ length: 1000 }, (_, i) => keys - 1000 + i),
  );
  assert.equal(heard.length, keys - 1000);
  assert.ok(heard.every(([p, n, limit]) => p === 'never' && n === 1 && limit === 'total'));
});

test('one key with endless starts: partial matches per key stay under the per-key cap', () => {
  const cep = createCep(
    parsePatterns(`NAME loop PATTERN (add_to_cart A) -> (checkout B)+ -> (purchase C) WITHIN 1 HOUR`),
    { alert: () => {} },
    { maxRunsPerKey: 16 },
  );
  for (let i = 0; i < 5000; i++) {
    cep.process(conversion(i % 2 ? 'checkout' : 'add_to_cart', 'u', i), 0);
    cep.advanceWatermark(i, 0);
    assert.ok(cep.stats().partialMatches <= 16);
  }
  assert.ok(cep.stats().evicted > 0);
});

test('partial matches expire when the watermark passes their deadline, leaving no per-key state', () => {
  const cep = createCep(never, { alert: () => {} });
  for (let i = 0; i < 5000; i++) cep.process(conversion('add_to_cart', `u${i}`, i * 10), 0);
  cep.advanceWatermark(60_000, 0);
  assert.equal(cep.stats().partialMatches, 5000);
  cep.advanceWatermark(10 * 60_000 + 5000 * 10, 0);
  const s = cep.stats();
  assert.equal(s.partialMatches, 0);
  assert.equal(s.keys, 0);
  assert.equal(s.timedOut, 5000);
  assert.equal(s.evicted, 0);
});

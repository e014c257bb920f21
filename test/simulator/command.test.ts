import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBounceSpike, parseBursts } from '../../src/simulator/flags.js';

test('--bursts FACTORx,LENGTH/EVERY becomes a bursts load profile', () => {
  assert.deepEqual(parseBursts('5x,30s/5m'), {
    kind: 'bursts',
    factor: 5,
    durationMs: 30_000,
    everyMs: 300_000,
  });
  assert.deepEqual(parseBursts('1.5x, 1m/10m'), {
    kind: 'bursts',
    factor: 1.5,
    durationMs: 60_000,
    everyMs: 600_000,
  });
  assert.throws(() => parseBursts('fast'), /invalid --bursts 'fast': expected FACTORx,LENGTH\/EVERY/);
  assert.throws(() => parseBursts('5x,10m/5m'), /longer than the period/);
});

test('--bounce-spike SHARE,LENGTH/EVERY becomes a bounce episode', () => {
  assert.deepEqual(parseBounceSpike('0.95,1m/10m'), { share: 0.95, durationMs: 60_000, everyMs: 600_000 });
  assert.deepEqual(parseBounceSpike('90%,30s/2m'), { share: 0.9, durationMs: 30_000, everyMs: 120_000 });
  assert.throws(() => parseBounceSpike('1.2,1m/10m'), /expected a share between 0 and 1/);
  assert.throws(() => parseBounceSpike('0.9'), /expected SHARE,LENGTH\/EVERY/);
});

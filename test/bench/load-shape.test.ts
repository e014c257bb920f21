import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLoadShape, rateAt } from '../../src/bench/load-shape.js';

test('load shapes: constant at --rate, a linear ramp, equal-length steps', () => {
  assert.deepEqual(parseLoadShape('constant', 200), { kind: 'constant', ratePerSec: 200 });
  const ramp = parseLoadShape('ramp:100/s..2k/s', 200);
  assert.deepEqual(ramp, { kind: 'ramp', ratePerSec: 2000, from: 100, to: 2000 });
  assert.equal(rateAt(ramp, 0, 10_000), 100);
  assert.equal(rateAt(ramp, 5_000, 10_000), 1050);
  assert.equal(rateAt(ramp, 10_000, 10_000), 2000);
  const steps = parseLoadShape('steps:100/s,6k/min,300/s', 200);
  assert.deepEqual(steps, { kind: 'steps', ratePerSec: 300, steps: [100, 100, 300] });
  assert.equal(rateAt(steps, 0, 9_000), 100);
  assert.equal(rateAt(steps, 6_500, 9_000), 300);
  assert.equal(rateAt(steps, 9_000, 9_000), 300);
});

test('a bad shape names the flag and the expected forms', () => {
  assert.throws(
    () => parseLoadShape('sine', 200),
    /invalid --profile 'sine': expected constant, ramp:FROM\.\.TO/,
  );
  assert.throws(() => parseLoadShape('ramp:100/s', 200), /expected constant, ramp/);
  assert.throws(() => parseLoadShape('steps:100/s,fast', 200), /invalid --profile step 2 'fast'/);
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, CircuitBreaker } from '../../../src/sinks/delivery/backoff.js';

describe('delivery backoff', () => {
  const base = { minRetryDelayMs: 100, maxRetryDelayMs: 1000, retryJitter: 0.5 };

  it('doubles from the minimum up to the cap without jitter', () => {
    const o = { ...base, random: () => 0 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, o)),
      [100, 200, 400, 800, 1000, 1000],
    );
  });

  it('adds up to retryJitter of the delay at random', () => {
    assert.equal(backoffDelay(2, { ...base, random: () => 0.999999 }), 200 * (1 + 0.5 * 0.999999));
    assert.equal(backoffDelay(2, { ...base, random: () => 0.5 }), 250);
  });

  it('honours a longer Retry-After from the server', () => {
    assert.equal(backoffDelay(1, { ...base, random: () => 0 }, 3000), 3000);
    assert.equal(backoffDelay(1, { ...base, random: () => 0 }, 50), 100);
  });
});

describe('influx circuit breaker', () => {
  it('opens after the threshold of consecutive failures, half-opens after openMs, closes on success', () => {
    let t = 0;
    const b = new CircuitBreaker(3, 1000, () => t);
    assert.equal(b.onFailure(), false);
    assert.equal(b.onFailure(), false);
    assert.equal(b.waitMs(), 0);
    assert.equal(b.onFailure(), true);
    assert.equal(b.state, 'open');
    assert.equal(b.opens, 1);
    t = 400;
    assert.equal(b.waitMs(), 600);
    t = 1000;
    assert.equal(b.waitMs(), 0);
    assert.equal(b.state, 'half-open');
    assert.equal(b.onSuccess(), true);
    assert.equal(b.state, 'closed');
    assert.equal(b.consecutiveFailures, 0);
    assert.equal(b.onSuccess(), false);
  });

  it('re-opens when the half-open probe fails, without counting a new opening', () => {
    let t = 0;
    const b = new CircuitBreaker(
      1,
      100,
      () => t,
      () => 0.5,
    );
    assert.equal(b.onFailure(), true);
    assert.equal(b.waitMs(), 150); // 100 ms plus 50 % jitter
    t = 150;
    assert.equal(b.waitMs(), 0);
    assert.equal(b.onFailure(), false);
    assert.equal(b.state, 'open');
    assert.equal(b.opens, 1);
    assert.equal(b.waitMs(), 150);
  });

  it('a success in between resets the run of failures', () => {
    const b = new CircuitBreaker(2, 100, () => 0);
    b.onFailure();
    b.onSuccess();
    assert.equal(b.onFailure(), false);
    assert.equal(b.state, 'closed');
  });
});

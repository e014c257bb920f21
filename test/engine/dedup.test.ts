import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DedupStore } from '../../src/engine/dedup.js';

test('dedup remembers ids until the horizon passes their event time, then releases them', () => {
  const d = new DedupStore(1000);
  assert.equal(d.seen('a', 500), false);
  assert.equal(d.seen('a', 500), true);
  assert.equal(d.seen('b', 1500), false);
  d.expire(999); // bucket [0,1000) still reaches the horizon
  assert.equal(d.seen('a', 500), true);
  d.expire(1000);
  assert.equal(d.size, 1);
  assert.equal(d.seen('b', 1500), true);
});

test('dedup state stays bounded under steady traffic as the horizon advances', () => {
  const d = new DedupStore(1000);
  let peak = 0;
  for (let i = 0; i < 200_000; i++) {
    d.seen(`e${i}`, i); // one event per ms
    if (i % 500 === 0) d.expire(i - 5000);
    peak = Math.max(peak, d.size);
  }
  assert.ok(peak <= 7000, `peak ${peak}`);
  const restored = DedupStore.restore(JSON.parse(JSON.stringify(d.snapshot())));
  assert.equal(restored.size, d.size);
  assert.equal(restored.seen('e199999', 199_999), true);
});

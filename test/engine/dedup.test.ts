import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DedupStore } from '../../src/engine/dedup.js';
import { mulberry32 } from '../helpers/random.js';

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

test('dedup decides as a plain Set of the ids in unexpired buckets, through expiry, table rebuilds and snapshots', () => {
  const random = mulberry32(9);
  const d = new DedupStore(100);
  let restored = d;
  const model = new Map<string, number>(); // id -> bucket start
  let horizon = -Infinity;
  let now = 0;
  for (let i = 0; i < 60_000; i++) {
    now += random() < 0.5 ? 1 : 0;
    const t = now - Math.floor(random() * 300);
    if (t < horizon) continue; // the engine sends such events to the late path, never here
    // Few distinct ids, so the same id comes back before and after its bucket expired.
    const id = `id-${Math.floor(random() * 3000)}`;
    const start = t - (((t % 100) + 100) % 100);
    const dup = model.has(id);
    if (!dup) model.set(id, start);
    assert.equal(restored.seen(id, t), dup, `event ${i}: ${id} at ${t}`);
    if (i % 250 === 0) {
      horizon = now - 300;
      restored.expire(horizon);
      for (const [k, s] of model) if (s + 100 <= horizon) model.delete(k);
      assert.equal(restored.size, model.size);
    }
    if (i % 10_000 === 0) restored = DedupStore.restore(JSON.parse(JSON.stringify(restored.snapshot())));
  }
});

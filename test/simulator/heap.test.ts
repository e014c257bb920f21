import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DueHeap } from '../../src/simulator/heap.js';
import { Rng } from '../../src/simulator/random.js';

test('pops in (due, insertion) order across growth, against a stable sort of what was pushed', () => {
  const rng = new Rng(5);
  const heap = new DueHeap<number>();
  const pending: { due: number; id: number }[] = [];
  const popped: number[] = [];
  const expected: number[] = [];
  let id = 0;
  for (let round = 0; round < 40; round++) {
    // Many equal due times, so the tie-break by insertion order is exercised.
    for (let i = 0; i < 200; i++) {
      const due = rng.int(50);
      heap.push(due, id);
      pending.push({ due, id: id++ });
    }
    pending.sort((a, b) => a.due - b.due || a.id - b.id);
    for (let i = 0; i < 150; i++) {
      assert.equal(heap.peekDue(), pending[0].due);
      expected.push(pending.shift()!.id);
      popped.push(heap.pop()!.value);
    }
  }
  while (heap.size) popped.push(heap.pop()!.value);
  expected.push(...pending.map((p) => p.id));
  assert.deepEqual(popped, expected);
  assert.equal(heap.pop(), undefined);
  assert.equal(heap.peekDue(), Infinity);
});

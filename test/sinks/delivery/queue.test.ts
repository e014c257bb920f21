import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OrderedQueue } from '../../../src/sinks/delivery/queue.js';

describe('delivery queue', () => {
  it('hands out lines in arrival order and removes them only when settled', () => {
    const q = new OrderedQueue();
    q.push(['a', 'b'], 10);
    q.push(['c'], 20);
    assert.deepEqual(q.peek(2), ['a', 'b']);
    assert.deepEqual(q.peek(2), ['a', 'b'], 'peeking twice gives the same lines (a retry resends them)');
    q.settle(1);
    assert.deepEqual(q.peek(5), ['b', 'c']);
    assert.equal(q.size, 2);
    assert.equal(q.enqueued, 3);
    assert.equal(q.settled, 1);
  });

  it('knows when the oldest pending line arrived', () => {
    const q = new OrderedQueue();
    assert.equal(q.oldestAt(), undefined);
    q.push(['a', 'b'], 10);
    q.push(['c'], 20);
    q.settle(1);
    assert.equal(q.oldestAt(), 10);
    q.settle(1);
    assert.equal(q.oldestAt(), 20);
    q.settle(1);
    assert.equal(q.oldestAt(), undefined);
  });

  it('stays correct across compaction of a long run', () => {
    const q = new OrderedQueue();
    const all: string[] = [];
    let next = 0;
    for (let round = 0; round < 300; round++) {
      const batch = Array.from({ length: 37 }, () => `l${next++}`);
      all.push(...batch);
      q.push(batch, round);
      q.settle(29);
    }
    const settled = 300 * 29;
    assert.equal(q.size, all.length - settled);
    assert.deepEqual(q.peek(3), all.slice(settled, settled + 3));
    assert.equal(q.oldestAt(), Math.floor(settled / 37));
  });
});

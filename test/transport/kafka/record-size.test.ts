import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordBytes, splitBySize } from '../../../src/transport/kafka/record-size.js';

test('runs keep order, stay within the budget, and an item above it travels alone', () => {
  const sizes = [400, 300, 200, 900, 1500, 100, 100];
  const runs = splitBySize(sizes, (n) => n, 1000);
  assert.deepEqual(runs, [[400, 300, 200], [900], [1500], [100, 100]]);
  assert.deepEqual(runs.flat(), sizes);
  assert.deepEqual(
    splitBySize([], (n: number) => n, 1000),
    [],
  );
});

test('a record is counted with its key, value, headers (in UTF-8 bytes) and its framing', () => {
  assert.equal(recordBytes(null, Buffer.alloc(100)), 136);
  assert.equal(recordBytes('é', Buffer.alloc(0)), 38);
  assert.equal(recordBytes('k', Buffer.alloc(10), { h: 'vv' }), 36 + 1 + 10 + 10 + 1 + 2);
});

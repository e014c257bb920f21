import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as lz4 from 'lz4js';
import { lz4Frame } from '../../../src/transport/kafka/codecs.js';

function sample(n: number): Buffer {
  // Mixed: repetitive JSON (compresses) and pseudo-random bytes (does not), so both block kinds occur.
  const parts: Buffer[] = [];
  let x = 12345;
  for (let i = 0; i < n; i++) {
    parts.push(Buffer.from(`{"event_id":"e${i}","page":"/p/${i % 40}","pad":"${'ab'.repeat(i % 50)}"}`));
    const noise = Buffer.alloc(i % 7 === 0 ? 300 : 0);
    for (let j = 0; j < noise.length; j++) noise[j] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    parts.push(noise);
  }
  return Buffer.concat(parts);
}

test('lz4 frames decode to the input with an independent decoder, across many blocks', () => {
  for (const n of [0, 1, 50, 3000, 9000]) {
    const src = sample(n);
    const frame = lz4Frame(src);
    assert.deepEqual(Buffer.from(lz4.decompress(frame)), src, `n=${n}`);
  }
});

test('lz4 frames announce independent blocks and blocks below the 64 KiB maximum', () => {
  const src = sample(9000);
  const frame = lz4Frame(src);
  assert.equal(frame.readUInt32LE(0), 0x184d2204);
  assert.equal(frame[4] & 0x20, 0x20, 'block independence flag');
  assert.equal(frame[5] >> 4, 4, '64 KiB max block size');
  let at = 7;
  let blocks = 0;
  for (;;) {
    const word = frame.readUInt32LE(at);
    if (word === 0) break;
    const stored = (word & 0x7fffffff) >>> 0;
    assert.ok(stored < 64 * 1024, `block ${blocks} stores ${stored} bytes`);
    at += 4 + stored;
    blocks++;
  }
  assert.ok(blocks > 3);
  assert.equal(at + 4, frame.length);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransactionBuffer } from '../../src/checkpoint/buffer.js';

test('the transaction buffer keeps messages per topic in send order until taken, then starts empty', async () => {
  const b = new TransactionBuffer();
  const m = (k: string) => ({ key: k, value: Buffer.from(k) });
  await b.send('t1', [m('a'), m('b')]);
  await b.send('t2', [m('c')]);
  await b.send('t1', [m('d')]);
  assert.equal(b.size, 4);
  const taken = b.take();
  assert.deepEqual([...taken.keys()], ['t1', 't2']);
  assert.deepEqual(
    taken.get('t1')!.map((x) => x.key),
    ['a', 'b', 'd'],
  );
  assert.deepEqual(
    taken.get('t2')!.map((x) => x.key),
    ['c'],
  );
  assert.equal(b.size, 0);
  assert.equal(b.take().size, 0);
});

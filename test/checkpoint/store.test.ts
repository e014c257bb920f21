import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DirectoryStore,
  checkpointTag,
  chooseCheckpoint,
  verifyOffsets,
} from '../../src/checkpoint/store.js';

async function withDir(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rtap-ckpt-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const id = (seq: number, writer = 'a1') => ({ seq, writer });

const offsets = [
  { topic: 'a', partition: 0, offset: 10 },
  { topic: 'a', partition: 1, offset: 7 },
];

test('a written checkpoint reads back identical and leaves no temporary file', () =>
  withDir(async (dir) => {
    const store = new DirectoryStore(join(dir, 'g'));
    const state = { engine: { nested: [1, 2, { x: 'y' }] }, cep: null };
    await store.write({ seq: 3, writer: 'a1', createdAt: 123, offsets, state });
    assert.deepEqual(store.list(), [id(3)]);
    assert.deepEqual(store.read(id(3)), {
      format: 'rtap-checkpoint',
      version: 1,
      seq: 3,
      writer: 'a1',
      createdAt: 123,
      offsets,
      state,
    });
    assert.deepEqual(readdirSync(join(dir, 'g')), ['checkpoint-000000000003-a1.json']);
  }));

test('a torn temporary file from a crash mid-write is not a checkpoint and is cleaned up by pruning', () =>
  withDir(async (dir) => {
    const store = new DirectoryStore(dir);
    await store.write({ seq: 1, writer: 'a1', createdAt: 0, offsets, state: {} });
    writeFileSync(join(dir, 'checkpoint-000000000002-a1.json.tmp-999'), '{"format":"rtap-chec');
    assert.deepEqual(store.list(), [id(1)]);
    store.pruneBefore(1);
    assert.deepEqual(readdirSync(dir), ['checkpoint-000000000001-a1.json']);
  }));

test('a corrupt checkpoint file is refused with its path', () =>
  withDir(async (dir) => {
    const store = new DirectoryStore(dir);
    writeFileSync(join(dir, 'checkpoint-000000000004.json'), '{"format":"other"}');
    assert.throws(
      () => store.read(id(4, '')),
      (e: Error) =>
        e.message.includes(join(dir, 'checkpoint-000000000004.json')) &&
        e.message.includes('not an rtap checkpoint'),
    );
  }));

test('pruning keeps the chosen range: before drops older, after drops newer (uncommitted) checkpoints', () =>
  withDir(async (dir) => {
    const store = new DirectoryStore(dir);
    for (const seq of [1, 2, 3, 4, 5])
      await store.write({ seq, writer: 'a1', createdAt: 0, offsets, state: {} });
    store.pruneBefore(2);
    store.pruneAfter(4);
    assert.deepEqual(store.list(), [id(2), id(3), id(4)]);
  }));

test('the committed tag names the checkpoint to restore, even when a newer file exists (crash before commit)', () => {
  const committed = offsets.map((o) => ({ ...o, metadata: checkpointTag(id(6)) }));
  assert.deepEqual(chooseCheckpoint(committed, [id(5), id(6), id(7)], 'here'), id(6));
});

test('two writers of one sequence number keep separate files, and the tag picks the one that committed', () =>
  withDir(async (dir) => {
    // A fenced previous owner writes its file before its transaction fails: it must not replace the
    // successor's file of the same sequence number.
    const store = new DirectoryStore(dir);
    await store.write({ seq: 6, writer: 'b2', createdAt: 0, offsets, state: { by: 'successor' } });
    await store.write({ seq: 6, writer: 'a1', createdAt: 1, offsets, state: { by: 'fenced' } });
    assert.deepEqual(store.list(), [id(6, 'a1'), id(6, 'b2')]);
    const committed = offsets.map((o) => ({ ...o, metadata: checkpointTag(id(6, 'b2')) }));
    const chosen = chooseCheckpoint(committed, store.list(), 'here');
    assert.deepEqual(chosen, id(6, 'b2'));
    assert.deepEqual(store.read(id(6, 'b2')).state, { by: 'successor' });
    assert.throws(
      () => chooseCheckpoint(committed, [id(6, 'a1')], 'group g'),
      /checkpoint 6 \(writer b2\), which is not in the checkpoint directory/,
    );
  }));

test('checkpoints written before writers were named (no writer in file name or tag) still restore', () =>
  withDir(async (dir) => {
    const store = new DirectoryStore(dir);
    writeFileSync(
      join(dir, 'checkpoint-000000000002.json'),
      JSON.stringify({ format: 'rtap-checkpoint', version: 1, seq: 2, createdAt: 0, offsets, state: 'old' }),
    );
    const committed = offsets.map((o) => ({ ...o, metadata: 'rtap-checkpoint 2' }));
    const chosen = chooseCheckpoint(committed, store.list(), 'here');
    assert.deepEqual(chosen, id(2, ''));
    assert.equal(store.read(id(2, '')).state, 'old');
  }));

test('a file whose content names another writer than its file name is refused', () =>
  withDir(async (dir) => {
    const store = new DirectoryStore(dir);
    await store.write({ seq: 3, writer: 'a1', createdAt: 0, offsets, state: {} });
    assert.throws(() => store.read(id(3, 'b2')), /cannot be read/);
    writeFileSync(
      join(dir, 'checkpoint-000000000003-b2.json'),
      JSON.stringify({
        format: 'rtap-checkpoint',
        version: 1,
        seq: 3,
        writer: 'a1',
        createdAt: 0,
        offsets,
        state: {},
      }),
    );
    assert.throws(
      () => store.read(id(3, 'b2')),
      /not an rtap checkpoint \(version 1\) for sequence 3 of writer b2/,
    );
  }));

test('nothing committed is a fresh start whatever files exist', () => {
  assert.equal(chooseCheckpoint([], [id(1), id(2)], 'here'), 'fresh');
});

test('offsets committed without an rtap tag, or a tag whose file is gone, are refused', () => {
  assert.throws(
    () => chooseCheckpoint([{ topic: 'a', partition: 0, offset: 5, metadata: '' }], [id(1)], 'group g'),
    /group g: a\/0 has a committed offset \(5\) that no rtap checkpoint wrote/,
  );
  assert.throws(
    () =>
      chooseCheckpoint(
        [{ topic: 'a', partition: 0, offset: 5, metadata: checkpointTag(id(9)) }],
        [id(7), id(8)],
        'group g',
      ),
    /checkpoint 9 \(writer a1\), which is not in the checkpoint directory/,
  );
});

test('a checkpoint must hold exactly the committed offsets', () => {
  verifyOffsets(offsets, [...offsets].reverse(), 'x');
  assert.throws(
    () =>
      verifyOffsets(
        offsets,
        [
          { topic: 'a', partition: 0, offset: 10 },
          { topic: 'a', partition: 1, offset: 8 },
        ],
        'x',
      ),
    /a\/1 is 8 but the checkpoint says 7/,
  );
  assert.throws(
    () => verifyOffsets(offsets, [{ topic: 'a', partition: 0, offset: 10 }], 'x'),
    /checkpoint has a\/1 at 7 but the group committed nothing there/,
  );
});

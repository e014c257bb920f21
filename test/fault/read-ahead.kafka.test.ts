/**
 * A restore reads the newest checkpoint and rebuilds the units from it while the committed offsets are
 * fetched (checkpoint/store.ts prefetch, Processor.run). After a crash between a state's write and its
 * commit the newest file is not the committed state: the units must be rebuilt from the committed one.
 * Here that file is planted, holding an older state, so a restore that kept the guess gives other outputs.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { unitState } from '../../src/checkpoint/chunks.js';
import type { RestoredState } from '../../src/checkpoint/coordinator.js';
import { DirectoryStore } from '../../src/checkpoint/store.js';
import { privateKafkaTest, spawnRtap } from './helpers.js';
import {
  assertSameOutputs,
  outputEnds,
  prepareInput,
  processArgs,
  readOutputs,
  replayPart,
  uninterruptedOutputs,
  waitCaughtUp,
} from './outputs.js';

privateKafkaTest(
  'a newer checkpoint whose transaction never committed is read ahead but not restored: outputs equal an uninterrupted run',
  { nodes: 1, prefix: 'rtap-read-ahead-', timeout: 300_000 },
  async ({ brokers, dir }) => {
    const parts = await prepareInput(brokers, dir, 6_000, 3);
    const from = await outputEnds(brokers);
    const ckDir = join(dir, 'ck');
    const args = [...processArgs(brokers), '--group', 'read-ahead', '--checkpoint-dir', ckDir];
    // Two parts a while apart: at least two checkpoints, the first of them full.
    await replayPart(brokers, parts[0]);
    const first = spawnRtap(args);
    await waitCaughtUp(brokers, 'read-ahead', 120_000, first);
    await new Promise((r) => setTimeout(r, 1500));
    await replayPart(brokers, parts[1]);
    await waitCaughtUp(brokers, 'read-ahead', 120_000, first);
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 130, first.stderr());

    // The committed checkpoint is the newest file after a clean stop; the oldest one kept is the last full
    // one, an earlier state. Written again as the next sequence number, by another writer, uncommitted.
    const store = new DirectoryStore(ckDir);
    const ids = store.list();
    const committed = ids[ids.length - 1];
    const older = ids[0];
    assert.ok(older.seq < committed.seq, `checkpoints ${ids.map((i) => i.seq).join(', ')}`);
    const stale = store.read<RestoredState>(older);
    const units = Object.fromEntries(
      Object.entries(stale.state.units ?? {}).map(([n, u]) => [n, unitState(n, u)]),
    );
    await new DirectoryStore(ckDir).save({
      seq: committed.seq + 1,
      writer: 'deadbeef',
      createdAt: Date.now(),
      offsets: stale.offsets,
      state: { ...stale.state, units },
    }).written;

    await replayPart(brokers, parts[2]);
    const second = spawnRtap(args);
    await waitCaughtUp(brokers, 'read-ahead', 120_000, second);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 130, second.stderr());
    assert.match(second.stderr(), new RegExp(`recovered checkpoint ${committed.seq} of group`));
    const actual = await readOutputs(brokers, from);

    const expected = await uninterruptedOutputs(brokers, 'read-ahead-base', join(dir, 'ck-base'), 120_000);
    assertSameOutputs(actual, expected, 'read-ahead');
  },
);

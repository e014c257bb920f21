/**
 * Acceptance (issue 10): kill -9 `rtap process` at random moments, at least 10 times, restarting it each
 * time; the committed outputs read with read_committed must equal an uninterrupted run's exactly.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { privateKafkaTest, type ProcessChild, spawnRtap } from './helpers.js';
import { mulberry32 } from '../helpers/random.js';
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

const KILLS = 10;

privateKafkaTest(
  'kill -9 at random moments: committed outputs equal an uninterrupted run exactly',
  { nodes: 1, prefix: 'rtap-fault-', timeout: 360_000 },
  async ({ brokers, dir }) => {
    // The input arrives in KILLS + 1 chunks, chunk i before kill i, the last one after the last kill: so
    // every kill lands in the middle of the run (input still to come), never after it has caught up.
    const chunks = await prepareInput(brokers, dir, 12_000, KILLS + 1);
    const seed = Number(process.env.RTAP_FAULT_SEED ?? Date.now() % 100_000);
    const rnd = mulberry32(seed); // the kill moments: the seed is printed, RTAP_FAULT_SEED replays it
    const killedFrom = await outputEnds(brokers);
    const args = [
      ...processArgs(brokers),
      '--group',
      'fault-killed',
      '--checkpoint-dir',
      join(dir, 'ck-killed'),
    ];
    /** Per restart, from its log: state restore inside the process (init producer, read offsets, load file). */
    const restoreMs: number[] = [];
    /** Kill → the successor's first processed batch (node start-up, restore, group join): the outage. */
    const outageMs: number[] = [];
    const logged = (p: ProcessChild) => {
      const m = /recovered checkpoint \d+ of group '[^']+' in (\d+) ms/.exec(p.stderr());
      if (m) restoreMs.push(Number(m[1]));
    };
    let kills = 0;
    let killedAt = 0;
    let p = spawnRtap(args);
    while (kills < KILLS) {
      const sending = replayPart(brokers, chunks[kills]);
      // About a third of the kills land while the processor restores or joins, the rest 6.5-9 s after
      // its restore, while it processes (and after its part of the input was sent).
      const current = p;
      await Promise.race([
        p.recovered,
        p.exited.then(() => assert.fail(`rtap process exited during its restore:\n${current.stderr()}`)),
      ]);
      const delay = rnd() < 0.3 ? rnd() * 300 : 6500 + rnd() * 2500;
      await new Promise((r) => setTimeout(r, delay));
      await sending;
      assert.equal(p.child.exitCode, null, `rtap process died on its own:\n${p.stderr()}`);
      p.child.kill('SIGKILL');
      await p.exited;
      logged(p);
      const resumedAt = await Promise.race([p.resumed, Promise.resolve(-1)]);
      if (resumedAt > 0 && killedAt > 0) outageMs.push(resumedAt - killedAt);
      killedAt = Date.now();
      kills++;
      p = spawnRtap(args);
    }
    await replayPart(brokers, chunks[KILLS]);
    const last = p;
    await waitCaughtUp(brokers, 'fault-killed', 120_000, last);
    outageMs.push((await last.resumed) - killedAt);
    last.child.kill('SIGTERM');
    assert.equal(await last.exited, 130, last.stderr()); // 130: stopped by a signal, cleanly
    logged(last);
    const actual = await readOutputs(brokers, killedFrom);

    // Uninterrupted run over the same (now complete) input.
    const expected = await uninterruptedOutputs(brokers, 'fault-base', join(dir, 'ck-base'), 120_000);

    process.stderr.write(
      `fault test (seed ${seed}): ${kills} kills; state restore ms: ${restoreMs.join(', ')}; kill → processing resumed ms: ${outageMs.join(', ')}; ` +
        `results ${actual['processed-metrics'].length}, alerts ${actual['cep-alerts'].length}, dead letters ${actual['events-deadletter'].length}\n`,
    );
    assertSameOutputs(actual, expected, `kill9-seed-${seed}`);
  },
);

/**
 * Issue 22: with the default idle timeout, results must not depend on how fast the consumer reads a
 * backlog. The same input, already in the topics, goes through `rtap process` with default settings three
 * ways: read straight through; read in small fetches with the process frozen (SIGSTOP) for longer than the
 * idle timeout halfway; and in two incarnations with the processor down for longer than the idle timeout
 * while the second half arrived. Outputs must be identical and, on a stream without late events, no event
 * may be dead-lettered as late.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { privateKafkaTest, type ProcessChild, spawnRtap } from './helpers.js';
import {
  assertSameOutputs,
  endOfStream,
  outputEnds,
  prepareInput,
  readOutputs,
  replayPart,
  waitCaughtUp,
  type Outputs,
} from './outputs.js';

/** Longer than the default idle timeout (5 s). */
const PAUSE_MS = 8_000;

const defaultArgs = (brokers: string, group: string, dir: string) => [
  'process',
  '--brokers',
  brokers,
  '--sink',
  'topics',
  '--from-beginning',
  '--group',
  group,
  '--checkpoint-dir',
  join(dir, `ck-${group}`),
];

async function stop(p: ProcessChild): Promise<void> {
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 130, p.stderr()); // 130: stopped by a signal, cleanly
}

/**
 * Without what the end-of-stream events made: the results of the windows that hold them and the alerts
 * over those windows or those events. Nothing comes after them, so those windows close only once the
 * whole stream has been quiet for the idle timeout, which depends on how long a run lingers after
 * catching up, not on how it read.
 */
function beforeEndOfStream(o: Outputs, eosTime: number): Outputs {
  const value = (x: string) => JSON.parse(x.slice(x.indexOf(' ') + 1)) as Record<string, number>;
  return {
    ...o,
    'processed-metrics': o['processed-metrics'].filter((x) => !(value(x).window_end > eosTime)),
    'cep-alerts': o['cep-alerts'].filter((x) => !(value(x).last_event_time >= eosTime)),
  };
}

function lateDeadLetters(o: Outputs): number {
  return o['events-deadletter'].filter((x) => x.split(' ')[1] === 'late').length;
}

privateKafkaTest(
  'default settings: a backlog read at different paces, frozen or caught up after downtime, gives identical outputs and no late events',
  { nodes: 1, prefix: 'rtap-pacing-', timeout: 300_000 },
  async ({ brokers, dir }) => {
    const [first, second] = await prepareInput(brokers, dir, 24_000, 2);
    const eos = await endOfStream(brokers, [first, second], dir);
    const eosTime = (JSON.parse(readFileSync(eos, 'utf8').split('\n')[0]) as { event_time: number })
      .event_time;

    // Catch-up: stopped while reading the backlog, down for longer than the idle timeout while the rest
    // arrives, then restarted from its checkpoint. (Stopped mid-backlog, not after catching up: a stream
    // that stops for longer than the idle timeout lets event time move on with the wall clock, by design.)
    const fromC = await outputEnds(brokers);
    await replayPart(brokers, first);
    await replayPart(brokers, second);
    let p = spawnRtap(defaultArgs(brokers, 'pacing-restart', dir));
    await p.resumed;
    await sleep(300);
    await stop(p);
    await replayPart(brokers, eos);
    await sleep(PAUSE_MS);
    p = spawnRtap(defaultArgs(brokers, 'pacing-restart', dir));
    await waitCaughtUp(brokers, 'pacing-restart', 120_000, p);
    await stop(p);
    const restarted = await readOutputs(brokers, fromC);

    // Straight through, default fetches.
    const fromA = await outputEnds(brokers);
    p = spawnRtap(defaultArgs(brokers, 'pacing-straight', dir));
    await waitCaughtUp(brokers, 'pacing-straight', 120_000, p);
    await stop(p);
    const straight = await readOutputs(brokers, fromA);

    // Small fetches, and the process frozen for longer than the idle timeout once it has started.
    const fromB = await outputEnds(brokers);
    p = spawnRtap([...defaultArgs(brokers, 'pacing-frozen', dir), '--fetch-max-bytes', '16KiB']);
    await p.resumed;
    await sleep(300);
    p.child.kill('SIGSTOP');
    await sleep(PAUSE_MS);
    p.child.kill('SIGCONT');
    await waitCaughtUp(brokers, 'pacing-frozen', 180_000, p);
    await stop(p);
    const frozen = await readOutputs(brokers, fromB);

    assert.equal(lateDeadLetters(straight), 0, 'straight through: events dead-lettered as late');
    assert.equal(lateDeadLetters(frozen), 0, 'small fetches, frozen: events dead-lettered as late');
    assert.equal(lateDeadLetters(restarted), 0, 'restarted after downtime: events dead-lettered as late');
    const expected = beforeEndOfStream(straight, eosTime);
    assertSameOutputs(
      beforeEndOfStream(frozen, eosTime),
      expected,
      'small fetches and frozen vs straight through',
    );
    assertSameOutputs(
      beforeEndOfStream(restarted, eosTime),
      expected,
      'restarted after downtime vs straight through',
    );
  },
);

/**
 * Acceptance (issue 10): three `rtap process --scale-out` in one group share the tasks; the one holding
 * the merge task is killed with -9 mid-run; the other two take over its tasks (restored from their
 * checkpoints) and the committed outputs equal one process's run over the same input. Once with the
 * checkpoints in a directory the three share, once in the group's changelog topic with a directory of
 * each process's own, as on three machines. And a process paused past its session timeout: the group
 * gives its tasks to the other, and once resumed it must not go on with the state it held.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkTool } from '../../src/stack/tools.js';
import {
  caughtUp,
  committedOffsets,
  endOffsets,
  kafka,
  privateKafkaTest,
  spawnRtap,
  type ProcessChild,
} from './helpers.js';
import {
  INPUTS,
  assertSameOutputs,
  endOfStream,
  outputEnds,
  prepareInput,
  processArgs,
  readOutputs,
  replayPart,
  uninterruptedOutputs,
} from './outputs.js';
import { withPrivateKafka } from '../services/private-kafka.js';

const haveJava = checkTool('java', '-version').ok;
const GROUP = 'scale-out';
const PANES = `${GROUP}-panes`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the group has consumed every input record and every pane record, and the panes topic stopped growing. */
async function settled(brokers: string, procs: ProcessChild[], limitMs: number): Promise<void> {
  const admin = kafka(brokers).admin();
  await admin.connect();
  const logs = () =>
    procs.map((p, i) => `\n--- process ${i} (tail) ---\n${p.stderr().slice(-2500)}`).join('');
  try {
    const deadline = Date.now() + limitMs;
    let lastPanesEnd = -1;
    for (;;) {
      assert.ok(Date.now() < deadline, `group ${GROUP} did not settle within ${limitMs} ms${logs()}`);
      const alive = procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
      assert.ok(alive.length > 0, `every process exited${logs()}`);
      if (await caughtUp(admin, GROUP, [...INPUTS, PANES])) {
        const end = [...(await endOffsets(admin, [PANES])).values()][0];
        if (end === lastPanesEnd) return;
        lastPanesEnd = end;
      }
      await sleep(2500);
    }
  } finally {
    await admin.disconnect();
  }
}

/** A process's log without its periodic status lines (what it took over, warnings, errors), and its last status. */
function eventLines(p: ProcessChild): string {
  const lines = p.stderr().split('\n');
  const status = (l: string) => l.startsWith('[rtap process ');
  return [...lines.filter((l) => !status(l)).slice(-40), lines.filter(status).pop() ?? ''].join('\n');
}

/** Each process's log without its status lines, the killed one marked: what a failed comparison needs. */
const said = (procs: ProcessChild[], killed?: ProcessChild) =>
  procs.map((p, i) => `--- process ${i}${p === killed ? ' (killed)' : ''} ---\n${eventLines(p)}`).join('\n');

/** Waits until the merge task committed a checkpoint: the group's offset on the panes topic moved past 0. */
async function mergeCheckpointed(brokers: string, procs: ProcessChild[], limitMs: number): Promise<void> {
  const admin = kafka(brokers).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + limitMs;
    for (;;) {
      const fetched = await committedOffsets(admin, GROUP, [PANES]);
      if (fetched?.[0].partitions.some((p) => Number(p.offset) > 0)) return;
      assert.ok(
        Date.now() < deadline,
        `the merge task committed no checkpoint within ${limitMs} ms:\n${procs.map(eventLines).join('\n---\n')}`,
      );
      await sleep(250);
    }
  } finally {
    await admin.disconnect();
  }
}

/** `rtap process --scale-out` in GROUP with the checkpoints in a directory the processes share. */
const sharedDirArgs = (brokers: string, dir: string) => [
  ...processArgs(brokers),
  '--scale-out',
  '--group',
  GROUP,
  '--checkpoint-dir',
  join(dir, 'ck-scale-out'),
];

/** The process's lines about the merge task: taken over, or moved to another process. */
const mergeLines = (log: string) => log.match(/.*(took over merge-0|merge-0 moved).*/g)?.join('\n') ?? '';

/** Whether the process holds the merge task now: its last line about the task says it took it over. */
const holdsMerge = (log: string) => /took over merge-0/.test(mergeLines(log).split('\n').pop()!);

for (const store of ['dir', 'kafka'] as const)
  test(
    `three processes share the tasks, the one with the merge task is killed with -9: the others take over and the outputs equal one process (checkpoints: ${store === 'dir' ? 'one shared directory' : 'changelog topic, no shared directory'})`,
    { skip: !haveJava && 'java not installed', timeout: 480_000 },
    () => killMergeHolder(store),
  );

async function killMergeHolder(store: 'dir' | 'kafka'): Promise<void> {
  await withPrivateKafka(1, 'rtap-scale-out-', async ({ brokers, dir }) => {
    const parts = await prepareInput(brokers, dir, 8_000, 2);
    const from = await outputEnds(brokers);
    const args = (i: number) => [
      ...processArgs(brokers),
      '--scale-out',
      '--group',
      GROUP,
      '--checkpoint-store',
      store,
      '--checkpoint-dir',
      join(dir, store === 'dir' ? 'ck-scale-out' : `ck-machine-${i}`),
    ];
    const procs = [spawnRtap(args(0)), spawnRtap(args(1)), spawnRtap(args(2))];
    // All three in the group before any input: the tasks are spread over them.
    const deadline = Date.now() + 60_000;
    while (!procs.every((p) => /took over task-/.test(p.stderr()))) {
      assert.ok(
        Date.now() < deadline,
        `the tasks were not spread over three processes:\n${procs.map((p) => p.stderr().slice(-1500)).join('\n---\n')}`,
      );
      await sleep(250);
    }
    await replayPart(brokers, parts[0]);
    // Killed only after the merge task committed a checkpoint, so its successor has one to restore.
    await mergeCheckpointed(brokers, procs, 90_000);
    // The current holder: the merge task may have moved in a rebalance since it was first taken.
    const victim = procs.find((p) => holdsMerge(p.stderr()));
    assert.ok(
      victim,
      `no process holds the merge task:\n${procs.map((p) => mergeLines(p.stderr())).join('\n---\n')}`,
    );
    const logLengthAtKill = new Map(procs.map((p) => [p, p.stderr().length]));
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    await victim.exited;
    const survivors = procs.filter((p) => p !== victim);
    await replayPart(brokers, parts[1]);
    await replayPart(brokers, await endOfStream(brokers, parts, dir));
    await settled(brokers, survivors, 240_000);
    const settledAfter = Date.now() - killedAt;
    // Only what the survivors took over after the kill counts.
    const tookOver = survivors.map((p) =>
      [
        ...p
          .stderr()
          .slice(logLengthAtKill.get(p))
          .matchAll(/took over (\S+) at checkpoint/g),
      ].map((m) => m[1]),
    );
    for (const p of survivors) p.child.kill('SIGTERM');
    for (const p of survivors) assert.equal(await p.exited, 130, p.stderr());
    assert.ok(
      tookOver.flat().includes('merge-0'),
      `nobody restored the merge task from its checkpoint: ${JSON.stringify(tookOver)}\n` +
        procs
          .map(
            (p, i) =>
              `--- process ${i}${p === victim ? ' (killed)' : ''}: ${
                p
                  .stderr()
                  .match(/.*(took over|moved|fenced).*/g)
                  ?.join('\n') ?? ''
              }`,
          )
          .join('\n'),
    );
    const actual = await readOutputs(brokers, from);

    const expected = await uninterruptedOutputs(brokers, `${GROUP}-single`, join(dir, 'ck-single'), 180_000);
    process.stderr.write(
      `scale-out test (${store}): merge-holder killed; survivors restored ${JSON.stringify(tookOver)}; settled ${settledAfter} ms after the kill; ` +
        `results ${actual['processed-metrics'].length}, alerts ${actual['cep-alerts'].length}, dead letters ${actual['events-deadletter'].length}\n`,
    );
    if (store === 'kafka')
      for (let i = 0; i < 3; i++) {
        assert.ok(!existsSync(join(dir, `ck-machine-${i}`)), 'no process wrote checkpoint files');
        assert.match(
          procs[i].stderr(),
          /warning: --checkpoint-dir has no effect with --checkpoint-store kafka/,
        );
      }
    assertSameOutputs(actual, expected, 'scale-out', () => said(procs, victim));
  });
}

privateKafkaTest(
  'a process paused past its session timeout loses its tasks; resumed, it gives up what it held and the outputs equal one process',
  { nodes: 1, prefix: 'rtap-paused-member-', timeout: 480_000 },
  async ({ brokers, dir }) => {
    const parts = await prepareInput(brokers, dir, 8_000, 2);
    const from = await outputEnds(brokers);
    const args = sharedDirArgs(brokers, dir);
    const procs = [spawnRtap(args), spawnRtap(args)];
    const deadline = Date.now() + 60_000;
    while (!procs.every((p) => /took over task-/.test(p.stderr()))) {
      assert.ok(
        Date.now() < deadline,
        `the tasks were not spread:\n${procs.map(eventLines).join('\n---\n')}`,
      );
      await sleep(250);
    }
    await replayPart(brokers, parts[0]);
    await mergeCheckpointed(brokers, procs, 90_000);
    // Stopped well past the scale-out session timeout (10 s): the coordinator removes it from the group
    // and the other process takes its tasks from their checkpoints and goes on with the second half.
    const [paused, other] = procs;
    const logAtPause = paused.stderr().length;
    paused.child.kill('SIGSTOP');
    await replayPart(brokers, parts[1]);
    await sleep(25_000);
    paused.child.kill('SIGCONT');
    await replayPart(brokers, await endOfStream(brokers, parts, dir));
    await settled(brokers, procs, 240_000);
    const after = paused.stderr().slice(logAtPause);
    for (const p of procs) p.child.kill('SIGTERM');
    for (const p of procs) assert.equal(await p.exited, 130, p.stderr());
    // What the paused process did on resuming: gave its tasks up (a new member id) or was fenced.
    assert.match(
      after,
      /given up|fenced by its new owner/,
      `the paused process went on as before:\n${eventLines(paused)}`,
    );
    assert.match(other.stderr(), /took over \S+ at checkpoint/, eventLines(other));
    const actual = await readOutputs(brokers, from);
    const expected = await uninterruptedOutputs(brokers, `${GROUP}-single`, join(dir, 'ck-single'), 180_000);
    process.stderr.write(
      `paused member test: after resuming, the paused process logged:\n${after.match(/.*(took over|moved|fenced|given up).*/g)?.join('\n') ?? '(nothing)'}\n`,
    );
    assertSameOutputs(actual, expected, 'paused-member', () => said(procs));
  },
);

/** Runs InitProducerId for `transactionalId`, as a process taking over that task does: its current producer is fenced. */
async function fence(brokers: string, transactionalId: string): Promise<void> {
  const p = kafka(brokers).producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
  await p.connect();
  try {
    const tx = await p.transaction();
    await tx.abort();
  } finally {
    await p.disconnect();
  }
}

// Before: the tasks have no checkpoint yet, so they are restored fresh and must read their partitions
// from the start again (kafkajs would go on from where it had read); after: from their checkpoints.
for (const when of ['before its first checkpoint', 'after checkpoints'] as const)
  privateKafkaTest(
    `a task fenced by a previous owner (${when}) while the group still assigns it here is restored again, not left to nobody, and the outputs equal one process`,
    { nodes: 1, prefix: 'rtap-stale-fence-', timeout: 480_000 },
    async ({ brokers, dir }) => {
      const parts = await prepareInput(brokers, dir, 8_000, 2);
      const from = await outputEnds(brokers);
      const proc = spawnRtap(sharedDirArgs(brokers, dir));
      const deadline = Date.now() + 60_000;
      while (!/took over merge-0/.test(proc.stderr()) || !/took over task-1/.test(proc.stderr())) {
        assert.ok(Date.now() < deadline, `task-1 and merge-0 not taken over:\n${eventLines(proc)}`);
        await sleep(250);
      }
      // What a process that lost these tasks in a rebalance while it was still restoring them does: its
      // InitProducerId comes after the owner's. No join follows; the group still assigns them to `proc`.
      const fenceTasks = async () => {
        await fence(brokers, `rtap-${GROUP}-task-1`);
        await fence(brokers, `rtap-${GROUP}-merge-0`);
      };
      if (when === 'before its first checkpoint') await fenceTasks();
      await replayPart(brokers, parts[0]);
      await mergeCheckpointed(brokers, [proc], 90_000);
      if (when === 'after checkpoints') await fenceTasks();
      await replayPart(brokers, parts[1]);
      await replayPart(brokers, await endOfStream(brokers, parts, dir));
      await settled(brokers, [proc], 240_000);
      proc.child.kill('SIGTERM');
      assert.equal(await proc.exited, 130, proc.stderr());
      const restored = when === 'after checkpoints' ? 'at checkpoint' : '\\(fresh\\)';
      for (const task of ['task-1', 'merge-0'])
        assert.match(
          proc.stderr(),
          new RegExp(
            `${task} fenced by a previous owner[^\\n]*restoring it again\\n[^]*took over ${task} ${restored}`,
          ),
          eventLines(proc),
        );
      const actual = await readOutputs(brokers, from);
      const expected = await uninterruptedOutputs(
        brokers,
        `${GROUP}-single`,
        join(dir, 'ck-single'),
        180_000,
      );
      assertSameOutputs(actual, expected, `stale-fence (${when})`, () => said([proc]));
    },
  );

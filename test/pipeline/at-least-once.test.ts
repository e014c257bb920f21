import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupMovedError } from '../../src/errors.js';
import { defaultSimulatorConfig, generateRecords } from '../../src/simulator/index.js';
import type { Sink } from '../../src/sinks/types.js';
import { openTransport } from '../../src/transport/open.js';
import type { Consumer, Transport } from '../../src/transport/types.js';
import { defaultPipeline, produceRecords } from './helpers.js';

/**
 * Without checkpoints (at-least-once) the processor commits the offsets of delivered outputs together,
 * about once a second, not per batch; a clean stop commits the rest, so a successor in the same group
 * reads nothing again.
 */
const EVENTS = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function fill(transport: Transport): Promise<void> {
  const config = { ...defaultSimulatorConfig(), seed: 11, users: 300, warmStartRatePerSec: 50 };
  const records = [...generateRecords(config, { ratePerSec: 50, events: EVENTS })].map((r) => r.record);
  await produceRecords(transport, records);
}

/** `transport` with every consumer's commit(offsets) going through `commit(offsets, original, groupId)`. */
function wrapCommits(
  transport: Transport,
  commit: (
    offsets: Parameters<Consumer['commit']>[0],
    original: Consumer['commit'],
    groupId: string,
  ) => Promise<void>,
): Transport {
  const consumer = transport.consumer.bind(transport);
  const wrapped = Object.create(transport) as Transport;
  wrapped.consumer = (o) => {
    const c = consumer(o);
    const original = c.commit.bind(c);
    c.commit = (offsets) => commit(offsets, original, o.groupId);
    return c;
  };
  return wrapped;
}

/** Counts the consumer's commit calls. */
function counting(transport: Transport): { transport: Transport; commits: () => number } {
  let n = 0;
  const wrapped = wrapCommits(transport, (offsets, commit) => {
    n++;
    return commit(offsets);
  });
  return { transport: wrapped, commits: () => n };
}

const sink: Sink = {
  name: 'discard',
  write: () => {},
  flush: async () => {},
  close: async () => {},
  stats: () => ({ written: 0, retried: 0, buffered: 0, failed: 0 }),
};

const processor = (transport: Transport, threads: number) =>
  defaultPipeline(transport, [sink], { threads, groupId: 'at-least-once' });

/** A new processor of the group, started after the first stopped cleanly: everything was committed. */
async function successorReadsNothing(transport: Transport, threads: number, groupId: string): Promise<void> {
  const second = await defaultPipeline(transport, [sink], { threads, groupId });
  const again = second.start();
  await sleep(1500);
  assert.equal(second.counters.consumed, 0, 'the successor reads nothing again');
  await second.stop();
  await again;
}

for (const threads of [1, 2]) {
  test(`at-least-once on ${threads} thread(s): offsets commit about once a second, and all of them at a clean stop`, async () => {
    const base = await openTransport();
    await fill(base);
    const { transport, commits } = counting(base);
    const first = await processor(transport, threads);
    const t0 = Date.now();
    const running = first.start();
    while (first.counters.consumed < EVENTS) await sleep(20);
    await sleep(300);
    await first.stop();
    await running;
    const elapsedS = (Date.now() - t0) / 1000;
    // Batches of the embedded log hold at most a few hundred records: per-batch commits would be dozens.
    assert.ok(commits() > 0 && commits() <= Math.ceil(elapsedS) + 2, `${commits()} commits in ${elapsedS} s`);

    await successorReadsNothing(base, threads, 'at-least-once');
    await base.close();
  });
}

test('at-least-once: a commit the group refused (it moved on without this member) is reported, processing goes on and later commits land', async () => {
  const base = await openTransport();
  await fill(base);
  let calls = 0;
  // What a member removed for missing its session timeout hears at its next commit (consumer.kafka.test.ts).
  const wrapped = wrapCommits(base, (offsets, commit, groupId) =>
    ++calls === 1
      ? Promise.reject(new GroupMovedError(groupId, 'The coordinator is not aware of this member'))
      : commit(offsets),
  );
  const lines: string[] = [];
  const p = await defaultPipeline(wrapped, [sink], {
    threads: 1,
    groupId: 'refused',
    log: (l) => lines.push(l),
  });
  const running = p.start();
  while (p.counters.consumed < EVENTS) await sleep(20);
  await sleep(300);
  await p.stop();
  await running;
  assert.ok(calls >= 2, `${calls} commit calls: the processor stopped at the refused one`);
  assert.match(
    lines.join('\n'),
    /consumer group refused: the offset commit was refused because the group moved on \(The coordinator is not aware of this member\); the records of \d+ partition\(s\) since their last commit may be read again \(at-least-once\)/,
  );
  // The commits after the refused one landed, the clean stop's too: a successor reads nothing again.
  await successorReadsNothing(base, 1, 'refused');
  await base.close();
});

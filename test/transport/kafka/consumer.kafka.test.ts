import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import type { KafkaTransport } from '../../../src/transport/kafka/index.js';
import type { ConsumedRecord, TopicPartition } from '../../../src/transport/types.js';
import { GroupMovedError } from '../../../src/errors.js';
import { brokers, consumeUntil, transport, uniqueTopic } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let t: KafkaTransport;
before(() => {
  t = transport();
});
after(async () => {
  await t.close();
});

async function topicWith(prefix: string, partitions: number, n: number): Promise<string> {
  const topic = uniqueTopic(prefix);
  await t.admin().createTopics([{ name: topic, partitions, replicationFactor: 1, config: {} }]);
  const p = t.producer();
  await p.send(
    topic,
    Array.from({ length: n }, (_, i) => ({ key: `k${i % 37}`, value: Buffer.from(String(i)) })),
  );
  await p.close();
  return topic;
}

test('a restarted group member continues from the committed offsets: no gap, no repeat', async () => {
  const topic = await topicWith('commit', 4, 4000);
  const groupId = uniqueTopic('g');
  // First member: commits only what it fully handled, stops after about half.
  const first = await consumeUntil(
    t.consumer({ groupId, topics: [topic], fromBeginning: true }),
    (r) => r.length >= 2000,
    60_000,
  );
  const second = await consumeUntil(
    t.consumer({ groupId, topics: [topic], fromBeginning: true }),
    (r) => first.length + r.length >= 4000,
    60_000,
  );
  const all = [...first, ...second].map((r) => Number(r.value.toString()));
  assert.equal(all.length, 4000, 'every record exactly once across the two members');
  assert.deepEqual(
    [...new Set(all)].sort((a, b) => a - b),
    Array.from({ length: 4000 }, (_, i) => i),
  );
  await t.admin().deleteTopics([topic]);
});

test('a paused partition delivers nothing until resumed', async () => {
  const topic = await topicWith('pause', 2, 400);
  const c = t.consumer({ groupId: uniqueTopic('g'), topics: [topic], fromBeginning: true });
  const seen: ConsumedRecord[] = [];
  let resumedAt = -1;
  c.pause([{ topic, partition: 0 }]);
  const run = c.run(async (b) => {
    seen.push(...b.records);
    const p1 = seen.filter((r) => r.partition === 1).length;
    if (
      resumedAt < 0 &&
      p1 > 0 &&
      b.partition === 1 &&
      b.records[b.records.length - 1].offset + 1 >= b.highWatermark
    ) {
      resumedAt = seen.length;
      // Give the paused partition a chance to (wrongly) deliver before resuming.
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(seen.filter((r) => r.partition === 0).length, 0, 'paused partition delivered');
      c.resume([{ topic, partition: 0 }]);
    }
    if (seen.length >= 400) void c.stop();
  });
  await run;
  assert.ok(resumedAt > 0);
  assert.ok(seen.slice(0, resumedAt).every((r) => r.partition === 1));
  assert.equal(seen.length, 400);
  await t.admin().deleteTopics([topic]);
});

test('a second member takes partitions: the first is told what it lost, the two own each partition once', async () => {
  const topic = await topicWith('rebalance', 6, 600);
  const groupId = uniqueTopic('g');
  const events: string[] = [];
  const ownedA = new Set<string>();
  const ownedB = new Set<string>();
  const key = (tp: TopicPartition) => `${tp.partition}`;
  const a = t.consumer({
    groupId,
    topics: [topic],
    fromBeginning: true,
    onAssigned: (tps) => tps.forEach((tp) => (ownedA.add(key(tp)), events.push(`A+${key(tp)}`))),
    onRevoked: (tps) => tps.forEach((tp) => (ownedA.delete(key(tp)), events.push(`A-${key(tp)}`))),
  });
  const runA = a.run(async () => {});
  const deadline = Date.now() + 30_000;
  while (ownedA.size < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(ownedA.size, 6, 'the only member owns all partitions');

  const b = t.consumer({
    groupId,
    topics: [topic],
    fromBeginning: true,
    onAssigned: (tps) => tps.forEach((tp) => ownedB.add(key(tp))),
    onRevoked: (tps) => tps.forEach((tp) => ownedB.delete(key(tp))),
  });
  const runB = b.run(async () => {});
  const deadline2 = Date.now() + 60_000;
  while ((ownedB.size === 0 || ownedA.size + ownedB.size !== 6) && Date.now() < deadline2)
    await new Promise((r) => setTimeout(r, 100));
  assert.ok(ownedB.size > 0, 'the new member got partitions');
  assert.equal(ownedA.size + ownedB.size, 6);
  for (const p of ownedB) assert.ok(!ownedA.has(p), `partition ${p} owned twice`);
  assert.ok(
    events.some((e) => e.startsWith('A-')),
    'the first member heard of its revoked partitions',
  );
  assert.deepEqual(new Set(a.assignment().map(key)), ownedA);
  await Promise.all([a.stop(), b.stop()]);
  await Promise.all([runA, runB]);
  await t.admin().deleteTopics([topic]);
});

test('a handler that throws ends run() with its error instead of redelivering forever', async () => {
  const topic = await topicWith('throw', 1, 10);
  const c = t.consumer({ groupId: uniqueTopic('g'), topics: [topic], fromBeginning: true });
  await assert.rejects(
    c.run(async () => {
      throw new Error('handler exploded');
    }),
    /handler exploded/,
  );
  await t.admin().deleteTopics([topic]);
});

test('with rtap-owned positions the consumer starts where rtap says, not at the group offsets, and joins a group of its own that holds no offsets', async () => {
  const topic = await topicWith('owned', 2, 400);
  const groupId = uniqueTopic('g');
  const k = new kafkajs.Kafka({ brokers: brokers(), logLevel: kafkajs.logLevel.NOTHING });
  const admin = k.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const end = (p: number) => Number(ends.find((e) => e.partition === p)!.high);
    assert.ok(end(0) > 60 && end(1) > 0, `records per partition: ${end(0)}, ${end(1)}`);
    // Offsets committed under the group by someone else (a checkpoint transaction): not where it starts.
    await admin.setOffsets({
      groupId,
      topic,
      partitions: [
        { partition: 0, offset: '20' },
        { partition: 1, offset: '20' },
      ],
    });
    const positions = (tp: TopicPartition) => (tp.partition === 0 ? 50 : undefined);
    const c = t.consumer({ groupId, topics: [topic], fromBeginning: true, positions });
    const got: ConsumedRecord[] = [];
    const run = c.run(async (b) => void got.push(...b.records));
    const expected = end(0) - 50 + end(1);
    const deadline = Date.now() + 60_000;
    while (got.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // While it runs: nobody in the named group, one member in a group of its own.
    const ownGroups = async () =>
      (await admin.listGroups()).groups
        .map((g) => g.groupId)
        .filter((g) => g.startsWith(`${groupId}.member-`));
    const own = await ownGroups();
    const running = await admin.describeGroups([groupId, ...own]);
    await c.stop();
    await run;
    const first = (p: number) => Math.min(...got.filter((r) => r.partition === p).map((r) => r.offset));
    assert.equal(first(0), 50, 'partition 0 starts at the position rtap gave');
    assert.equal(first(1), 0, 'partition 1 (no position) starts per fromBeginning, not at the group offset');
    assert.equal(got.length, expected, 'each record once');
    assert.deepEqual(
      running.groups.find((g) => g.groupId === groupId)!.members,
      [],
      'no member joined the named group',
    );
    assert.equal(own.length, 1, 'one member group of its own');
    assert.equal(running.groups.find((g) => g.groupId === own[0])!.members.length, 1);
    // Left behind: an empty group without offsets, which the broker deletes at its next cleanup.
    const after = (await admin.describeGroups(own)).groups[0];
    assert.deepEqual(after.members, []);
    const ownOffsets = await admin.fetchOffsets({ groupId: own[0], topics: [topic] });
    assert.deepEqual(
      ownOffsets[0].partitions.map((p) => p.offset),
      ['-1', '-1'],
      'nothing committed in its own group',
    );
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    assert.deepEqual(
      offsets[0].partitions.map((p) => p.offset),
      ['20', '20'],
      "the group's offsets are left to the checkpoints",
    );
  } finally {
    await admin.disconnect();
    await t.admin().deleteTopics([topic]);
  }
});

test('a reposition reads a partition again from the position rtap gives (else from where the assignment began), and the records after it count as unread until read again', async () => {
  const topic = await topicWith('reposition', 1, 200);
  const tp = { topic, partition: 0 };
  let position: number | undefined;
  const c = t.consumer({
    groupId: uniqueTopic('g'),
    topics: [topic],
    fromBeginning: true,
    positions: () => position,
  });
  const got: ConsumedRecord[] = [];
  const run = c.run(async (b) => void got.push(...b.records));
  const until = async (n: number) => {
    const deadline = Date.now() + 60_000;
    while (got.length < n && Date.now() < deadline) await sleep(50);
  };
  try {
    await until(200);
    assert.deepEqual(
      (await c.backlog!()).map((b) => b.unread),
      [0],
    );
    // A task restored again from a checkpoint at offset 150 (the processor's fenced path).
    c.pause([tp]);
    position = 150;
    c.reposition!([tp]);
    assert.deepEqual(
      (await c.backlog!()).map((b) => b.unread),
      [50],
      'what is read again is unread: the partition is not caught up (it could go idle otherwise)',
    );
    c.resume([tp]);
    await until(250);
    // Restored again without a position for it (a fresh state): back to where the assignment began.
    c.pause([tp]);
    position = undefined;
    c.reposition!([tp]);
    assert.deepEqual(
      (await c.backlog!()).map((b) => b.unread),
      [200],
    );
    c.resume([tp]);
    await until(450);
  } finally {
    await c.stop();
    await run;
    await t.admin().deleteTopics([topic]);
  }
  assert.deepEqual(
    got.slice(200, 250).map((r) => r.offset),
    Array.from({ length: 50 }, (_, i) => 150 + i),
  );
  assert.deepEqual(
    got.slice(250).map((r) => r.offset),
    Array.from({ length: 200 }, (_, i) => i),
    'without a position: from the offset this assignment began at',
  );
  assert.equal(got.length, 450, 'nothing after the third pass');
});

/**
 * A member of a new group with a 6 s session timeout (the broker's minimum), on a topic of `n` records,
 * and the stall that gets it removed: 9 s without a heartbeat (the event loop blocked).
 */
async function shortSessionMember(prefix: string, n: number) {
  const topic = await topicWith(prefix, 2, n);
  const groupId = uniqueTopic('g');
  const short = transport({ consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 1000 } });
  const c = short.consumer({ groupId, topics: [topic], fromBeginning: true });
  const stall = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 9000);
  return { topic, groupId, short, c, stall };
}

test('a commit from a member the group removed (its session timed out) fails as GroupMovedError, and the member joins again', async () => {
  const { topic, groupId, short, c, stall } = await shortSessionMember('moved', 200);
  let seen = 0;
  const last = new Map<number, number>();
  const run = c.run(async (b) => {
    seen += b.records.length;
    last.set(b.partition, b.records[b.records.length - 1].offset + 1);
  });
  try {
    const deadline = Date.now() + 60_000;
    while (seen < 200) {
      assert.ok(Date.now() < deadline, `consumed only ${seen} of 200`);
      await sleep(50);
    }
    // A stall longer than the session timeout: no heartbeat goes out, and the coordinator removes the member.
    stall();
    const offsets = [...last].map(([partition, offset]) => ({ topic, partition, offset }));
    await assert.rejects(c.commit(offsets), (err: Error) => {
      assert.ok(err instanceof GroupMovedError, `${err.name}: ${err.message}`);
      assert.match(err.message, new RegExp(`consumer group ${groupId}: the offset commit was refused`));
      return true;
    });
    // The client joins again and its commits land once more.
    const rejoined = Date.now() + 60_000;
    for (;;) {
      try {
        await c.commit(offsets);
        break;
      } catch (err) {
        assert.ok(err instanceof GroupMovedError, String(err));
        assert.ok(Date.now() < rejoined, `the member did not join again: ${(err as Error).message}`);
        await sleep(500);
      }
    }
  } finally {
    await c.stop();
    await run.catch(() => undefined);
    await short.close();
  }
  await t.admin().deleteTopics([topic]);
});

test('a member that lost its membership in a stall continues where it read to, not at the group offsets', async () => {
  const { topic, short, c, stall } = await shortSessionMember('lost', 200);
  const seen: number[] = [];
  const run = c.run(async (b) => {
    for (const r of b.records) seen.push(Number(r.value.toString()));
  });
  try {
    const until = async (n: number, what: string) => {
      const deadline = Date.now() + 60_000;
      while (seen.length < n) {
        assert.ok(Date.now() < deadline, `${what}: ${seen.length} of ${n} records`);
        await sleep(50);
      }
    };
    await until(200, 'before the stall');
    // Nothing committed: the group's offsets would start it at the beginning again.
    stall();
    const p = short.producer();
    await p.send(
      topic,
      Array.from({ length: 100 }, (_, i) => ({ key: `k${i % 37}`, value: Buffer.from(String(200 + i)) })),
    );
    await p.close();
    await until(300, 'after the stall');
    await sleep(2000);
    assert.equal(seen.length, 300, 'no record delivered twice');
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      Array.from({ length: 300 }, (_, i) => i),
    );
  } finally {
    await c.stop();
    await run.catch(() => undefined);
    await short.close();
  }
  await t.admin().deleteTopics([topic]);
});

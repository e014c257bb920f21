import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs, { type Consumer as KafkaJsConsumer } from 'kafkajs';
import { KafkaConsumer } from '../../../src/transport/kafka/consumer.js';

/**
 * A kafkajs consumer that only joins (GROUP_JOIN with `memberId`, holding `t/0`) and answers describeGroup
 * from `answers`, in turn: an Error is thrown, a group state is answered with this member holding t/0.
 */
function fakeConsumer(answers: (Error | string)[]) {
  const handlers = new Map<string, (e: { payload: unknown }) => void>();
  let asked = 0;
  const assignment = kafkajs.AssignerProtocol.MemberAssignment.encode({
    version: 0,
    assignment: { t: [0] },
    userData: Buffer.alloc(0),
  });
  const fake = {
    events: { GROUP_JOIN: 'join', START_BATCH_PROCESS: 'batch', CRASH: 'crash' },
    on: (event: string, h: (e: { payload: unknown }) => void) => void handlers.set(event, h),
    describeGroup: async () => {
      const a = answers[Math.min(asked++, answers.length - 1)];
      if (a instanceof Error) throw a;
      return { state: a, members: [{ memberId: 'm-1', memberAssignment: assignment }] };
    },
  };
  const join = () =>
    handlers.get(fake.events.GROUP_JOIN)!({ payload: { memberId: 'm-1', memberAssignment: { t: [0] } } });
  return { consumer: fake as unknown as KafkaJsConsumer, join, asked: () => asked };
}

const consumerOver = (fake: ReturnType<typeof fakeConsumer>) =>
  new KafkaConsumer(
    fake.consumer,
    { groupId: 'g', topics: ['t'], fromBeginning: true },
    async () => {},
    1,
    async () => {
      throw new Error('no admin in this test');
    },
  );

test('holds() asks a coordinator that did not answer again before saying the member does not hold its partitions', async () => {
  const fake = fakeConsumer([new Error('timeout'), new Error('timeout'), 'Stable']);
  const c = consumerOver(fake);
  fake.join();
  assert.equal(await c.holds([{ topic: 't', partition: 0 }]), true);
  assert.equal(fake.asked(), 3);
  assert.equal(await c.holds([{ topic: 't', partition: 1 }]), false, 'a partition it was not given');
});

test('holds() is false while the group rebalances (a join follows) and after repeated silence', async () => {
  const rebalancing = fakeConsumer(['PreparingRebalance']);
  const c = consumerOver(rebalancing);
  rebalancing.join();
  assert.equal(await c.holds([{ topic: 't', partition: 0 }]), false);
  assert.equal(rebalancing.asked(), 1);
  const silent = fakeConsumer([new Error('timeout')]);
  const d = consumerOver(silent);
  silent.join();
  assert.equal(await d.holds([{ topic: 't', partition: 0 }]), false);
  assert.equal(silent.asked(), 4);
});

/**
 * The checkpoint protocol's crash windows, made deterministic against the real broker: a state file
 * written whose transaction never committed (and that transaction left open by a "dead" producer) must
 * restore the previous checkpoint, and the uncommitted outputs must never reach read_committed readers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { KafkaCheckpointer, type ProcessorState } from '../../src/checkpoint/coordinator.js';
import { DirectoryStore } from '../../src/checkpoint/store.js';
import { createTopics, transactionsOn, transport, uniqueTopic } from '../transport/kafka/helpers.js';
import { readCommitted } from '../fault/helpers.js';

const brokers = process.env.RTAP_KAFKA_BROKERS;

const state = (n: number) => ({ engine: { marker: n }, cep: null }) as unknown as ProcessorState;

test(
  'a checkpoint whose transaction never committed is skipped: the previous one is restored, its outputs stay invisible',
  { skip: !brokers, timeout: 120_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtap-ckpt-kafka-'));
    const input = uniqueTopic('ck-in');
    const output = uniqueTopic('ck-out');
    const group = uniqueTopic('ck-group');
    const txId = `rtap-${group}`;
    const t1 = transport();
    try {
      await t1.admin().createTopics([
        { name: input, partitions: 2, replicationFactor: 1, config: {} },
        { name: output, partitions: 1, replicationFactor: 1, config: {} },
      ]);
      const open = (t: typeof t1) =>
        new KafkaCheckpointer({
          store: new DirectoryStore(dir),
          transactions: t.transactions(txId),
          groupId: group,
          inputTopics: [input],
          intervalMs: 1000,
        });

      const first = open(t1);
      assert.equal(await first.restore(), null, 'fresh group: fresh start');
      await first.outputs.send(output, [{ key: 'a', value: Buffer.from('committed-0') }]);
      assert.equal(
        await first.checkpoint(state(0), [
          { topic: input, partition: 0, offset: 5 },
          { topic: input, partition: 1, offset: 3 },
        ]),
        true,
      );
      assert.equal(first.stats.lastSeq, 0);
      await t1.close();

      // The crash window: state file 1 is on disk, its transaction was begun by the same transactional id
      // and never committed (the process died mid-transaction).
      new DirectoryStore(dir).write({
        seq: 1,
        createdAt: 0,
        offsets: [
          { topic: input, partition: 0, offset: 9 },
          { topic: input, partition: 1, offset: 3 },
        ],
        state: state(1),
      });
      const k = new kafkajs.Kafka({ brokers: brokers!.split(','), logLevel: kafkajs.logLevel.NOTHING });
      const zombie = k.producer({ transactionalId: txId, idempotent: true, maxInFlightRequests: 1 });
      await zombie.connect();
      const tx = await zombie.transaction();
      await tx.send({ topic: output, messages: [{ key: 'b', value: Buffer.from('never-committed') }] });

      const t2 = transport();
      const second = open(t2);
      const restored = await second.restore();
      assert.equal(restored?.seq, 0);
      assert.deepEqual(restored?.state, state(0));
      assert.deepEqual(
        new DirectoryStore(dir).list().map((c) => c.seq),
        [0],
        'the uncommitted checkpoint file is dropped',
      );
      await second.outputs.send(output, [{ key: 'c', value: Buffer.from('committed-1') }]);
      assert.equal(
        await second.checkpoint(state(2), [
          { topic: input, partition: 0, offset: 9 },
          { topic: input, partition: 1, offset: 3 },
        ]),
        true,
      );
      await t2.close();
      await zombie.disconnect().catch(() => {});

      const seen = await readCommitted(brokers!, output, new Map());
      assert.deepEqual(
        seen.map((r) => r.value),
        ['committed-0', 'committed-1'],
      );

      const t3 = transport();
      const third = open(t3);
      const again = await third.restore();
      assert.equal(again?.seq, 1);
      assert.deepEqual(again?.state, state(2));
      await t3.admin().deleteTopics([input, output]);
      await t3.close();
    } finally {
      await t1.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'a second process of the same group fences the first: its next checkpoint fails with a clear message and commits nothing',
  { skip: !brokers, timeout: 120_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtap-ckpt-fence-'));
    const input = uniqueTopic('fence-in');
    const output = uniqueTopic('fence-out');
    const group = uniqueTopic('fence-group');
    const t1 = transport();
    const t2 = transport();
    try {
      await t1.admin().createTopics([
        { name: input, partitions: 1, replicationFactor: 1, config: {} },
        { name: output, partitions: 1, replicationFactor: 1, config: {} },
      ]);
      const open = (t: typeof t1, sub: string) =>
        new KafkaCheckpointer({
          store: new DirectoryStore(join(dir, sub)),
          transactions: t.transactions(`rtap-${group}`),
          groupId: group,
          inputTopics: [input],
          intervalMs: 1000,
        });
      const first = open(t1, 'a');
      assert.equal(await first.restore(), null);
      await first.outputs.send(output, [{ key: 'a', value: Buffer.from('first-0') }]);
      assert.equal(await first.checkpoint(state(0), [{ topic: input, partition: 0, offset: 4 }]), true);

      const second = open(t2, 'b');
      await assert.rejects(
        second.restore(),
        /not in the checkpoint directory/,
        'another directory cannot continue the group',
      );
      await first.outputs.send(output, [{ key: 'a', value: Buffer.from('first-1') }]);
      await assert.rejects(
        first.checkpoint(state(1), [{ topic: input, partition: 0, offset: 8 }]),
        /fenced by a newer producer.*another process of this group took over/,
      );
      const seen = await readCommitted(brokers!, output, new Map());
      assert.deepEqual(
        seen.map((r) => r.value),
        ['first-0'],
      );
      await t1.admin().deleteTopics([input, output]);
    } finally {
      await t1.close();
      await t2.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "a previous owner paused past its successor's checkpoint writes its own file of that sequence, is fenced, and the successor's state is what restores",
  { skip: !brokers, timeout: 120_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtap-ckpt-paused-'));
    const input = uniqueTopic('paused-in');
    const group = uniqueTopic('paused-group');
    const ts = [transport(), transport(), transport()];
    try {
      await ts[0].admin().createTopics([{ name: input, partitions: 1, replicationFactor: 1, config: {} }]);
      // One shared directory, as the processes of a scale-out group use.
      const open = (t: (typeof ts)[number]) =>
        new KafkaCheckpointer({
          store: new DirectoryStore(dir),
          transactions: t.transactions(`rtap-${group}`),
          groupId: group,
          inputTopics: [input],
          intervalMs: 1000,
        });
      const at = (offset: number) => [{ topic: input, partition: 0, offset }];
      const previous = open(ts[0]);
      assert.equal(await previous.restore(), null);
      assert.equal(await previous.checkpoint(state(0), at(4)), true);

      const successor = open(ts[1]);
      assert.equal((await successor.restore())?.seq, 0);
      assert.equal(await successor.checkpoint(state(1), at(9)), true);
      assert.equal(successor.stats.lastSeq, 1);

      // The previous owner wakes up: its next checkpoint is sequence 1 too, at the same offsets, with
      // other state. Its file is written before its transaction is refused.
      await assert.rejects(previous.checkpoint(state(666), at(9)), /fenced by a newer producer/);
      assert.equal(
        new DirectoryStore(dir).list().filter((c) => c.seq === 1).length,
        2,
        'both owners wrote a file of sequence 1',
      );

      const next = open(ts[2]);
      const restored = await next.restore();
      assert.equal(restored?.seq, 1);
      assert.deepEqual(restored?.state, state(1), "the successor's committed state, not the fenced one's");
      await ts[2].admin().deleteTopics([input]);
    } finally {
      for (const t of ts) await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

/**
 * kafkajs producers whose EndTxn(commit) fails once: `landed` sends it first (the broker commits, the
 * answer is lost, as when the coordinator stops after writing the commit), otherwise it is never sent.
 */
function failingFirstCommit(
  k: InstanceType<typeof kafkajs.Kafka>,
  landed: boolean,
): { kafka: InstanceType<typeof kafkajs.Kafka>; failures: () => number } {
  let failures = 0;
  const wrapped = Object.create(k) as InstanceType<typeof kafkajs.Kafka>;
  wrapped.producer = (config) => {
    const p = k.producer(config);
    const transaction = p.transaction.bind(p);
    p.transaction = async () => {
      const tx = await transaction();
      const commit = tx.commit.bind(tx);
      tx.commit = async () => {
        if (failures > 0) return commit();
        failures++;
        if (landed) await commit();
        throw Object.assign(new Error('Connection timeout (injected: the EndTxn answer was lost)'), {
          name: 'KafkaJSConnectionError',
        });
      };
      return tx;
    };
    return p;
  };
  return { kafka: wrapped, failures: () => failures };
}

for (const landed of [true, false]) {
  test(
    `a commit whose answer is lost is not run twice: ${landed ? 'it landed, so the retry stops' : 'it never reached the broker, so it runs again'}; every output committed once`,
    { skip: !brokers, timeout: 120_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'rtap-ckpt-lost-'));
      const input = uniqueTopic('lost-in');
      const output = uniqueTopic('lost-out');
      const group = uniqueTopic('lost-group');
      const k = new kafkajs.Kafka({ brokers: brokers!.split(','), logLevel: kafkajs.logLevel.NOTHING });
      const admin = k.admin();
      await admin.connect();
      try {
        await createTopics([input], 2);
        await createTopics([output], 1);
        const faulty = failingFirstCommit(k, landed);
        const transactions = transactionsOn(faulty.kafka, `rtap-${group}`, admin);
        const retries: string[] = [];
        transactions.onRetry = (_, reason) => retries.push(reason);
        const ck = new KafkaCheckpointer({
          store: new DirectoryStore(dir),
          transactions,
          groupId: group,
          inputTopics: [input],
          intervalMs: 1000,
        });
        assert.equal(await ck.restore(), null);
        await ck.outputs.send(output, [
          { key: 'a', value: Buffer.from('out-0') },
          { key: 'b', value: Buffer.from('out-1') },
        ]);
        assert.equal(
          await ck.checkpoint(state(0), [
            { topic: input, partition: 0, offset: 5 },
            { topic: input, partition: 1, offset: 2 },
          ]),
          true,
        );
        assert.equal(faulty.failures(), 1, 'the injected failure happened');
        assert.match(retries.join('\n'), /injected/);
        await ck.outputs.send(output, [{ key: 'c', value: Buffer.from('out-2') }]);
        assert.equal(
          await ck.checkpoint(state(1), [
            { topic: input, partition: 0, offset: 7 },
            { topic: input, partition: 1, offset: 2 },
          ]),
          true,
        );
        await transactions.close();

        const seen = await readCommitted(brokers!, output, new Map());
        assert.deepEqual(
          seen.map((r) => r.value),
          ['out-0', 'out-1', 'out-2'],
        );
        const offsets = await admin.fetchOffsets({ groupId: group, topics: [input] });
        assert.deepEqual(offsets[0].partitions.map((p) => [p.partition, p.offset]).sort(), [
          [0, '7'],
          [1, '2'],
        ]);
        await admin.deleteTopics({ topics: [input, output] });
      } finally {
        await admin.disconnect();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}

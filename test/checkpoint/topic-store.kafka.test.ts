/**
 * Checkpoints in the group's compacted changelog topic (--checkpoint-store kafka), against the real broker:
 * a process with nothing on its disk restores them (a state of several records, then a smaller one), and
 * records of a transaction that never committed or of a fenced writer are never restored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { KafkaCheckpointer, type ProcessorState } from '../../src/checkpoint/coordinator.js';
import { checkpointTag } from '../../src/checkpoint/store.js';
import {
  CHANGELOG_PARTITIONS,
  changelogPartition,
  changelogTopicConfig,
  TopicStore,
} from '../../src/checkpoint/topic-store.js';
import type { KafkaTransport } from '../../src/transport/kafka/index.js';
import { DEFAULT_BATCH_LIMIT, transport, uniqueTopic } from '../transport/kafka/helpers.js';
import { readCommitted } from '../fault/helpers.js';

const brokers = process.env.RTAP_KAFKA_BROKERS;

/** State 0 is a few MiB, more than one record of a broker with defaults may hold, as a busy engine's is; 1 is small. */
const state = (n: number) =>
  ({
    engine: { marker: n, bulk: n === 0 ? 'x'.repeat(3 * 1024 * 1024) : '' },
    cep: null,
  }) as unknown as ProcessorState;
test(
  'the changelog topic restores the committed checkpoint on another process with no files, never an aborted or fenced one',
  { skip: !brokers, timeout: 180_000 },
  async () => {
    const input = uniqueTopic('cl-in');
    const output = uniqueTopic('cl-out');
    const group = uniqueTopic('cl-group');
    const changelog = `${group}-checkpoints`;
    const txId = `rtap-${group}-task-1`;
    const opened: KafkaTransport[] = [];
    const open = (name = 'task-1') => {
      const t = transport();
      opened.push(t);
      return new KafkaCheckpointer({
        store: new TopicStore(t, changelog, name),
        transactions: t.transactions(txId),
        groupId: group,
        inputTopics: [input],
        intervalMs: 1000,
      });
    };
    const at = (a: number, b: number) => [
      { topic: input, partition: 0, offset: a },
      { topic: input, partition: 1, offset: b },
    ];
    const admin = transport();
    opened.push(admin);
    try {
      await admin.admin().createTopics([
        { name: input, partitions: 2, replicationFactor: 1, config: {} },
        { name: output, partitions: 1, replicationFactor: 1, config: {} },
        {
          name: changelog,
          partitions: CHANGELOG_PARTITIONS,
          replicationFactor: 1,
          config: { ...changelogTopicConfig, ...DEFAULT_BATCH_LIMIT },
        },
      ]);

      const first = open();
      assert.equal(await first.restore(), null, 'fresh group: fresh start');
      await first.outputs.send(output, [{ key: 'a', value: Buffer.from('committed-0') }]);
      assert.equal(await first.checkpoint(state(0), at(5, 3)), true);

      // A crash mid-checkpoint: the same transactional id wrote checkpoint 1's record and never committed.
      const k = new kafkajs.Kafka({ brokers: brokers!.split(','), logLevel: kafkajs.logLevel.NOTHING });
      const zombie = k.producer({ transactionalId: txId, idempotent: true, maxInFlightRequests: 1 });
      await zombie.connect();
      const tx = await zombie.transaction();
      await tx.send({
        topic: changelog,
        messages: [
          {
            key: 'task-1/0',
            partition: changelogPartition('task-1', CHANGELOG_PARTITIONS),
            value: Buffer.from('{"never":"committed"}'),
            headers: {
              'rtap-checkpoint': checkpointTag({ seq: 1, writer: 'ffffffff' }),
              'rtap-chunk': '0/1',
            },
          },
        ],
      });

      const second = open();
      const restored = await second.restore();
      assert.equal(restored?.seq, 0);
      assert.deepEqual(restored?.state, state(0));
      await second.outputs.send(output, [{ key: 'c', value: Buffer.from('committed-1') }]);
      assert.equal(await second.checkpoint(state(1), at(9, 3)), true);
      await zombie.disconnect().catch(() => {});

      // The first owner, fenced by the second, tries its next checkpoint: nothing of it may land.
      await first.outputs.send(output, [{ key: 'a', value: Buffer.from('fenced') }]);
      await assert.rejects(first.checkpoint(state(99), at(9, 3)), /fenced/);

      const third = open();
      const again = await third.restore();
      assert.equal(again?.seq, 1);
      assert.deepEqual(again?.state, state(1));
      assert.deepEqual(
        (await readCommitted(brokers!, output, new Map())).map((r) => r.value),
        ['committed-0', 'committed-1'],
      );

      // Offsets that name a checkpoint the topic does not hold are refused. task-12 shares task-1's
      // partition, so the scan reads all of task-1's records and must stop at the partition's end.
      assert.equal(
        changelogPartition('task-12', CHANGELOG_PARTITIONS),
        changelogPartition('task-1', CHANGELOG_PARTITIONS),
      );
      await assert.rejects(
        open('task-12').restore(),
        /checkpoint 1 \(writer [0-9a-f]+\), which is not in changelog topic \S+ \(key task-12\)/,
      );
      await admin.admin().deleteTopics([input, output, changelog]);
    } finally {
      for (const t of opened) await t.close();
    }
  },
);

test('each task of up to 11 has a changelog partition of its own; the single processor and the merge task use 0', () => {
  const parts = Array.from({ length: 11 }, (_, n) => changelogPartition(`task-${n}`, CHANGELOG_PARTITIONS));
  assert.equal(new Set(parts).size, 11);
  assert.ok(!parts.includes(0));
  assert.equal(changelogPartition('all', CHANGELOG_PARTITIONS), 0);
  assert.equal(changelogPartition('merge-0', CHANGELOG_PARTITIONS), 0);
});

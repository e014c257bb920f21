import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createKafkaTransport, type KafkaTransport } from '../../src/transport/kafka/index.js';
import {
  DEFAULT_TOPOLOGY,
  formatProvision,
  loadTopology,
  parseTopology,
  provision,
} from '../../src/provision/index.js';

let t: KafkaTransport;
before(() => {
  t = createKafkaTransport({ brokers: process.env.RTAP_KAFKA_BROKERS!.split(','), connectTimeoutMs: 20_000 });
});
after(async () => {
  await t.close();
});

test('the default topology on a real broker: created once, then the second run changes nothing and says so', async () => {
  // The default topology's topics under names of this test's own: other tests on the shared broker read and
  // write the reference names, and this one deletes what it created.
  const prefix = `prov-${randomUUID().slice(0, 8)}-`;
  const defaults = loadTopology(DEFAULT_TOPOLOGY);
  const topology = { ...defaults, topics: defaults.topics.map((t) => ({ ...t, name: prefix + t.name })) };
  const admin = t.admin();
  const brokers = await admin.brokerCount();
  try {
    const first = await provision(admin, topology);
    assert.deepEqual(first.created.sort(), topology.topics.map((s) => s.name).sort());
    const described = await admin.describeTopics(topology.topics.map((s) => s.name));
    for (const spec of topology.topics) {
      const d = described.find((x) => x.name === spec.name)!;
      assert.equal(d.partitions, spec.partitions, spec.name);
      assert.equal(d.replicationFactor, Math.min(3, brokers), spec.name);
      assert.equal(d.config['retention.ms'], spec.config['retention.ms'], spec.name);
    }
    const second = await provision(admin, topology);
    assert.deepEqual(second.created, []);
    assert.ok(
      second.plan.actions.every((a) => a.kind === 'unchanged'),
      JSON.stringify(second.plan.actions),
    );
    assert.match(
      formatProvision(second, t.description, DEFAULT_TOPOLOGY),
      /nothing to change: 7 topic\(s\) already as the topology says/,
    );
  } finally {
    const del = await provision(admin, topology, { delete: true });
    assert.equal(del.deleted.length, topology.topics.length);
  }
});

test('a topic created with another partition count is reported as drift, not changed', async () => {
  const name = `drift-${randomUUID().slice(0, 8)}`;
  const admin = t.admin();
  await admin.createTopics([{ name, partitions: 2, replicationFactor: 1, config: {} }]);
  const topology = parseTopology(
    { topics: [{ name, partitions: 5, retention: '1d', replicationFactor: 1 }] },
    'drift.json',
  );
  const r = await provision(admin, topology);
  assert.deepEqual(r.drifted, [name]);
  const a = r.plan.actions[0];
  assert.equal(a.kind, 'drift');
  // retention.ms differs too: the broker default (7 days) is not the topology's 1 day.
  assert.deepEqual(a.kind === 'drift' && a.differences, [
    { field: 'partitions', expected: '5', actual: '2' },
    { field: 'retention.ms', expected: '86400000', actual: '604800000' },
  ]);
  assert.equal((await admin.describeTopics([name]))[0].partitions, 2);
  await admin.deleteTopics([name]);
});

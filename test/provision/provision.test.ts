import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEmbeddedTransport } from '../../src/transport/embedded/index.js';
import { formatProvision, parseTopology, provision } from '../../src/provision/index.js';

const topology = parseTopology(
  {
    defaults: { replicationFactor: 3 },
    topics: [
      { name: 'events', partitions: 12, retention: '7d', cleanupPolicy: 'delete' },
      { name: 'metrics', partitions: 6, retention: '1d', cleanupPolicy: 'compact,delete' },
    ],
  },
  'test.json',
);

test('provisioning twice: the first run creates, the second changes nothing and says so', async () => {
  const t = createEmbeddedTransport();
  const admin = t.admin();
  const first = await provision(admin, topology);
  assert.deepEqual(first.created, ['events', 'metrics']);
  assert.deepEqual(
    (await admin.describeTopics(['events'])).map((d) => d.partitions),
    [12],
  );
  const second = await provision(admin, topology);
  assert.deepEqual(second.created, []);
  assert.deepEqual(
    second.plan.actions.map((a) => a.kind),
    ['unchanged', 'unchanged'],
  );
  assert.match(
    formatProvision(second, 'embedded', 'test.json'),
    /nothing to change: 2 topic\(s\) already as the topology says\n/,
  );
});

test('replication above the broker count is lowered to it, with a warning', async () => {
  const t = createEmbeddedTransport();
  const r = await provision(t.admin(), topology);
  assert.equal(r.plan.warnings.length, 1);
  assert.match(
    r.plan.warnings[0],
    /replication factor 3 is configured but only 1 broker is available: using 1 for all 2 topics/,
  );
  for (const a of r.plan.actions) if (a.kind === 'create') assert.equal(a.spec.replicationFactor, 1);
});

test('a drifted partition count and config are reported and left alone', async () => {
  const t = createEmbeddedTransport({
    topics: [
      {
        name: 'events',
        partitions: 4,
        replicationFactor: 1,
        config: { 'retention.ms': '1000', 'cleanup.policy': 'delete' },
      },
    ],
  });
  const r = await provision(t.admin(), topology);
  assert.deepEqual(r.drifted, ['events']);
  const drift = r.plan.actions.find((a) => (a.kind === 'create' ? a.spec.name : a.name) === 'events');
  assert.equal(drift?.kind, 'drift');
  assert.deepEqual(drift?.kind === 'drift' && drift.differences, [
    { field: 'partitions', expected: '12', actual: '4' },
    { field: 'retention.ms', expected: '604800000', actual: '1000' },
  ]);
  assert.deepEqual(r.created, ['metrics']);
  assert.equal((await t.admin().describeTopics(['events']))[0].partitions, 4, 'not changed');
  assert.match(
    formatProvision(r, 'embedded', 'test.json'),
    /DRIFT {5}events: partitions is 4, topology says 12; retention\.ms is 1000, topology says 604800000/,
  );
});

test('--dry-run prints the plan and creates nothing; --delete removes the topics', async () => {
  const t = createEmbeddedTransport();
  const admin = t.admin();
  const dry = await provision(admin, topology, { dryRun: true });
  assert.equal(dry.applied, false);
  assert.deepEqual(await admin.listTopics(), []);
  assert.match(
    formatProvision(dry, 'embedded', 'test.json'),
    /plan \(dry run\)[\s\S]*create {4}events: 12 partitions, replication 1, retention\.ms=604800000 cleanup\.policy=delete[\s\S]*2 change\(s\) planned/,
  );
  await provision(admin, topology);
  const del = await provision(admin, topology, { delete: true });
  assert.deepEqual(del.deleted, ['events', 'metrics']);
  assert.deepEqual(await admin.listTopics(), []);
  const again = await provision(admin, topology, { delete: true });
  assert.deepEqual(
    again.plan.actions.map((a) => a.kind),
    ['absent', 'absent'],
  );
});

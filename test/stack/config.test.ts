import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutFor, quorumVoters, serverProperties } from '../../src/stack/config.js';

const dirs = (id: number) => ({ dataDir: `/d/${id}`, logFile: `/l/${id}.log` });

function parse(props: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of props.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf('=');
    m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

test('three nodes get distinct client and controller ports and one shared quorum', () => {
  const layout = layoutFor(3, 9092, dirs);
  const ports = layout.nodes.flatMap((n) => [n.port, n.controllerPort]);
  assert.equal(new Set(ports).size, 6);
  assert.equal(quorumVoters(layout), '1@127.0.0.1:9192,2@127.0.0.1:9193,3@127.0.0.1:9194');
  for (const node of layout.nodes) {
    const p = parse(serverProperties(layout, node));
    assert.equal(p.get('node.id'), String(node.nodeId));
    assert.equal(p.get('controller.quorum.voters'), quorumVoters(layout));
    assert.equal(p.get('advertised.listeners'), `PLAINTEXT://127.0.0.1:${node.port}`);
    assert.equal(p.get('log.dirs'), `/d/${node.nodeId}`);
    assert.equal(p.get('auto.create.topics.enable'), 'false');
    assert.equal(p.get('offsets.topic.replication.factor'), '3');
    assert.equal(p.get('min.insync.replicas'), '2');
  }
});

test('a single node cannot replicate internal topics three times', () => {
  const layout = layoutFor(1, 19092, dirs);
  const p = parse(serverProperties(layout, layout.nodes[0]));
  assert.equal(p.get('offsets.topic.replication.factor'), '1');
  assert.equal(p.get('transaction.state.log.min.isr'), '1');
  assert.equal(p.get('listeners'), 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19192');
});

test('node counts and ports out of range are rejected with the value', () => {
  assert.throws(() => layoutFor(0, 9092, dirs), /nodes must be .* got 0/);
  assert.throws(() => layoutFor(2, 65500, dirs), /invalid base port 65500/);
});

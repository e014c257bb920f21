/**
 * Broker failure during produce. These tests start their own single-node native broker (not the shared
 * test service) because they stop it: it would break the other test files running at the same time.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startNode,
  stackDown,
  stackStatus,
  stackUp,
  stopNode,
  type StackState,
} from '../../../src/stack/index.js';
import { findFreeBasePort } from '../../../src/stack/ports.js';
import { checkTool } from '../../../src/stack/tools.js';
import { createKafkaTransport, KAFKA_CLIENTS } from '../../../src/transport/kafka/index.js';
import type { DeliveryReport } from '../../../src/transport/types.js';
import { idDigest } from './helpers.js';

const haveJava = checkTool('java', '-version').ok;
let dir = '';
let state: StackState;

before(async () => {
  if (!haveJava) return;
  dir = mkdtempSync(join(tmpdir(), 'rtap-restart-'));
  const up = await stackUp({
    stackDir: dir,
    port: await findFreeBasePort(1),
    runtime: 'native',
    heap: '384m',
  });
  state = up.state;
});
after(async () => {
  if (!dir) return;
  await stackDown({ stackDir: dir, graceMs: 10_000 });
  assert.equal((await stackStatus({ stackDir: dir })).running, false);
  rmSync(dir, { recursive: true, force: true });
});

test(
  'the stack records what it started, and status sees it from the state file',
  { skip: !haveJava && 'java not installed' },
  async () => {
    const s = await stackStatus({ stackDir: dir });
    assert.equal(s.running, true);
    assert.equal(s.nodes.length, 1);
    assert.equal(s.nodes[0].accepting, true);
    assert.deepEqual(s.state?.brokers, state.brokers);
  },
);

for (const client of KAFKA_CLIENTS)
  test(
    `broker stopped mid-produce (${client}): sends wait out the outage and, after a restart, nothing is lost or duplicated`,
    { skip: !haveJava && 'java not installed' },
    async () => {
      const t = createKafkaTransport({
        brokers: state.brokers,
        client,
        producer: { deliveryTimeoutMs: 90_000, lingerMs: 2 },
      });
      const topic = `restart-events-${client}`;
      await t.admin().createTopics([{ name: topic, partitions: 3, replicationFactor: 1, config: {} }]);
      const producer = t.producer();
      // Connected before the outage: this test is about sends in flight. A producer whose first connect
      // meets a dead broker fails within the connect bound instead (the unreachable-broker test).
      await producer.connect!([topic]);
      const N = 6000;
      const ids: string[] = [];
      const pending: Promise<DeliveryReport[]>[] = [];
      /** The longest a send took: the outage (3 s) must have held some up, or the test tested nothing. */
      let longestMs = 0;
      let restarted: Promise<unknown> | null = null;
      for (let i = 0; i < N; i += 100) {
        const msgs = Array.from({ length: 100 }, (_, j) => {
          const id = `e${i + j}`;
          ids.push(id);
          return { key: `u${(i + j) % 50}`, value: Buffer.from(id) };
        });
        const sentAt = Date.now();
        pending.push(
          producer.send(topic, msgs).then((r) => {
            longestMs = Math.max(longestMs, Date.now() - sentAt);
            return r;
          }),
        );
        if (i === 2000) {
          // Stop the broker while sends are in flight; bring it back 3 s later on the same port and data.
          assert.notEqual(await stopNode(state, 1, 10_000), 'absent');
          restarted = new Promise((r) => setTimeout(r, 3000)).then(() =>
            startNode(state, 1, { heap: '384m' }),
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      await restarted;
      const reports = (await Promise.all(pending)).flat();
      await producer.close();
      assert.equal(reports.length, N);
      assert.ok(longestMs >= 2500, `a send waited out the outage (longest ${longestMs} ms)`);
      // kafkajs gives up on the dead connection and rtap's layer resends; @platformatic/kafka's own
      // connection recovery rides out a 3 s outage before rtap's layer sees a failure.
      if (client === 'kafkajs')
        assert.ok(
          (producer as unknown as { stats: { retries: number } }).stats.retries > 0,
          'the outage was seen and retried by rtap',
        );

      const consumer = t.consumer({
        groupId: `restart-check-${client}`,
        topics: [topic],
        fromBeginning: true,
      });
      const logEnd = new Map<number, number>();
      const got: string[] = [];
      await consumer.run(async (b) => {
        got.push(...b.records.map((r) => r.value.toString()));
        logEnd.set(b.partition, b.highWatermark);
        if (got.length >= N) void consumer.stop();
      });
      // The broker's own log end offsets: a duplicate written to the log would show up here even if the
      // consumer stopped before reading it.
      assert.equal(
        [...logEnd.values()].reduce((a, b) => a + b, 0),
        N,
        'records in the log',
      );
      const values = got;
      assert.equal(values.length, N, 'count');
      assert.equal(new Set(values).size, N, 'no duplicates');
      assert.equal(idDigest(values), idDigest(ids), 'checksum');
      await t.close();
    },
  );

test(
  'broker down for longer than the delivery timeout: send() fails with a clear message in bounded time',
  { skip: !haveJava && 'java not installed' },
  async () => {
    const t = createKafkaTransport({ brokers: state.brokers, producer: { deliveryTimeoutMs: 4000 } });
    const topic = 'restart-timeout';
    await t.admin().createTopics([{ name: topic, partitions: 1, replicationFactor: 1, config: {} }]);
    const producer = t.producer();
    await producer.send(topic, [{ key: 'k', value: Buffer.from('before') }]);
    await stopNode(state, 1, 10_000);
    try {
      const started = Date.now();
      await assert.rejects(
        producer.send(topic, [{ key: 'k', value: Buffer.from('during') }]),
        /not acknowledged within the delivery timeout of 4s/,
      );
      const took = Date.now() - started;
      assert.ok(took >= 3000 && took < 20_000, `failed after ${took} ms`);
    } finally {
      await startNode(state, 1, { heap: '384m' });
      await producer.close().catch(() => {});
      await t.close();
    }
  },
);

/**
 * Acceptance (issue 10): a three-node local cluster (replication factor 3), one broker stopped mid-run:
 * nothing is lost, the pipeline continues, and its committed outputs equal a run that saw no failure.
 * It starts its own cluster (not the shared test broker) because it stops one of its nodes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopNode } from '../../src/stack/index.js';
import { endOffsets, kafka, privateKafkaTest, spawnRtap } from './helpers.js';
import {
  INPUTS,
  assertSameOutputs,
  outputEnds,
  prepareInput,
  processArgs,
  readOutputs,
  replayPart,
  uninterruptedOutputs,
  waitCaughtUp,
} from './outputs.js';

/** `fn` again while it fails with an error kafkajs marks retriable, up to `ms`. */
async function retrying<T>(what: string, fn: () => Promise<T>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable || Date.now() > deadline)
        throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

privateKafkaTest(
  'three brokers, replication 3, the leader of the busiest partition stopped mid-run: nothing lost, processing continues, outputs equal a run without the failure',
  { nodes: 3, prefix: 'rtap-cluster-', timeout: 420_000 },
  async ({ brokers, state, dir }) => {
    const parts = await prepareInput(brokers, dir, 8_000, 2);
    const admin = kafka(brokers).admin();
    await admin.connect();
    // The topics were created through one node; another may not know them yet (UNKNOWN_TOPIC_OR_PARTITION).
    const meta = await retrying(
      'the input topics on every node',
      () => admin.fetchTopicMetadata({ topics: INPUTS }),
      30_000,
    );
    for (const t of meta.topics)
      for (const p of t.partitions)
        assert.equal(p.replicas.length, 3, `${t.name}/${p.partitionId} has ${p.replicas.length} replicas`);
    // The leader of website-analytics-events/0 leads a third of every topic's partitions; it may also be
    // the group or transaction coordinator: a failure the clients have to notice, not a spare.
    const victim = meta.topics
      .find((t) => t.name === 'website-analytics-events')!
      .partitions.find((p) => p.partitionId === 0)!.leader;

    const from = await outputEnds(brokers);
    const p = spawnRtap([
      ...processArgs(brokers),
      '--group',
      'cluster-failover',
      '--checkpoint-dir',
      join(dir, 'ck-failover'),
    ]);
    await replayPart(brokers, parts[0]);
    // Stop the broker while the processor is busy with the first half (its first checkpoints committed).
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(p.child.exitCode, null, `rtap process died before the failure:\n${p.stderr()}`);
    assert.notEqual(await stopNode(state, victim, 15_000), 'absent', `node ${victim} was not running`);
    const stoppedAt = Date.now();
    // The second half goes to a cluster of two: producers fail over to the new leaders.
    await replayPart(brokers, parts[1]);
    await waitCaughtUp(brokers, 'cluster-failover', 180_000, p);
    const caughtUpAfter = Date.now() - stoppedAt;
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 130, p.stderr());

    // Nothing lost on the way in: every recorded record is in the input topics, once.
    const sent = parts
      .map(
        (f) =>
          readFileSync(f, 'utf8')
            .split('\n')
            .filter((l) => l.length > 0).length,
      )
      .reduce((a, b) => a + b, 0);
    let stored = 0;
    for (const end of (await endOffsets(admin, INPUTS)).values()) stored += end;
    await admin.disconnect();
    assert.equal(stored, sent, 'input records stored in the topics');
    const actual = await readOutputs(brokers, from);

    // The same input, processed by a fresh group on the (still two-broker) cluster with no failure.
    const expected = await uninterruptedOutputs(brokers, 'cluster-base', join(dir, 'ck-base'), 180_000);
    process.stderr.write(
      `cluster failover test: node ${victim} stopped; caught up ${caughtUpAfter} ms after the stop; ${sent} records in; ` +
        `results ${actual['processed-metrics'].length}, alerts ${actual['cep-alerts'].length}, dead letters ${actual['events-deadletter'].length}\n`,
    );
    assertSameOutputs(actual, expected, 'cluster-failover');
  },
);

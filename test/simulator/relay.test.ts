import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGenerator, createSchedule } from '../../src/simulator/index.js';
import { packMessages, RelayProducer, unpackMessages, type RelayReply } from '../../src/simulator/relay.js';
import { runThreads } from '../../src/simulator/threads.js';
import { faultyConfig } from './faulty-config.js';
import { createEmbeddedTransport, type EmbeddedTransport } from '../../src/transport/embedded/index.js';
import { DEFAULT_PIPELINE_TOPICS } from '../../src/transport/topics.js';
import type { Producer } from '../../src/transport/types.js';

const config = faultyConfig;
const N = 3001;
const RATE = 20_000;

const embedded = () =>
  createEmbeddedTransport({
    topics: Object.entries(DEFAULT_PIPELINE_TOPICS.partitions).map(([name, partitions]) => ({
      name,
      partitions,
      replicationFactor: 1,
      config: {},
    })),
  });

/** Every partition's records as `key value-hex` lines: what a consumer of each partition sees, in order. */
function contents(t: EmbeddedTransport): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, topic] of t.broker.topics)
    for (const p of topic.partitions) {
      const recs = p.read(0, Number.MAX_SAFE_INTEGER);
      if (recs.length) out[`${name}/${p.partition}`] = recs.map((r) => `${r.key} ${r.value.toString('hex')}`);
    }
  return out;
}

test('packed messages come back with the same keys and values, null keys and empty values included', () => {
  const msgs = [
    { key: 'u-1', value: Buffer.from('abc') },
    { key: null, value: Buffer.alloc(0) },
    { key: 'u-2', value: Buffer.from([0, 255, 7]) },
  ];
  const back = unpackMessages(packMessages(msgs));
  assert.deepEqual(
    back.map((m) => [m.key, m.value.toString('hex')]),
    msgs.map((m) => [m.key, m.value.toString('hex')]),
  );
  assert.ok(Buffer.isBuffer(back[0].value));
  assert.throws(
    () => packMessages([{ key: 'k', value: Buffer.from('x'), partition: 1 }]),
    /key and a value only/,
  );
});

test('a relayed send fails with the main producer’s error, and flush waits for every pending send', async () => {
  let served: ((r: RelayReply) => void) | null = null;
  const ids: number[] = [];
  const relay = new RelayProducer((req) => {
    ids.push(req.id);
  });
  served = (r) => relay.settle(r);
  const a = relay.send('t', [{ key: 'k', value: Buffer.from('1') }]);
  const b = relay.send('t', [{ key: 'k', value: Buffer.from('2') }]);
  let flushed = false;
  const f = relay.flush().then(() => (flushed = true));
  served({ kind: 'sent', id: ids[0], reports: [{ topic: 't', partition: 0, offset: 0 }] });
  assert.deepEqual(await a, [{ topic: 't', partition: 0, offset: 0 }]);
  await new Promise((r) => setImmediate(r));
  assert.equal(flushed, false, 'one send is still pending');
  served({ kind: 'send-failed', id: ids[1], message: 'topic t is gone' });
  await assert.rejects(b, /topic t is gone/);
  await f;
  assert.equal(flushed, true);
});

test('generator threads relaying to the embedded log fill every partition as one generator does, for 1, 2 and 3 threads', async () => {
  // The reference: one generator on this thread, its records appended in schedule order.
  const reference = embedded();
  const g = createGenerator(config);
  const s = createSchedule({ ratePerSec: RATE, events: N });
  const producer = reference.producer();
  for (let off = s.next(); off !== null; off = s.next()) {
    const r = g.next(config.startTime + off);
    await producer.send(r.topic, [{ key: r.key, value: r.value }]);
  }
  const expected = contents(reference);
  assert.ok(Object.keys(expected).length >= 6, 'several topics and partitions are written');

  for (const threads of [1, 2, 3]) {
    const log = embedded();
    const summary = await runThreads({
      threads,
      config,
      pacing: { ratePerSec: RATE, events: N },
      transport: 'relay',
      relay: log.producer(),
      clientId: 'test',
      // Events are a function of the configuration alone from this origin (past: all due at once).
      origin: config.startTime,
    });
    assert.equal(summary.acked, N, `threads ${threads}`);
    assert.equal(summary.failed, 0);
    assert.deepEqual(contents(log), expected, `threads ${threads}`);
  }
});

test('a relay to a producer that refuses counts the records as failed and reports the error', async () => {
  const refusing: Producer = {
    send: () => Promise.reject(new Error('log is closed')),
    flush: async () => {},
    close: async () => {},
  };
  const errors: string[] = [];
  const summary = await runThreads(
    {
      threads: 2,
      config,
      pacing: { ratePerSec: RATE, events: 200 },
      transport: 'relay',
      relay: refusing,
      clientId: 'test',
    },
    { onError: (e) => errors.push(e.message) },
  );
  assert.equal(summary.acked, 0);
  assert.equal(summary.failed, 200);
  assert.ok(errors.length > 0 && errors.every((m) => m === 'log is closed'), errors.join('; '));
});

/**
 * The generator on threads against a real broker: whatever the thread count, every partition of every
 * topic receives the same sequence of events, the one an unpaced single generator gives for the same
 * configuration (grouped by Kafka's partitioner).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEvent } from '../../src/events/codec.js';
import {
  createGenerator,
  createSchedule,
  defaultSimulatorConfig,
  runOpenLoop,
  type SimulatorConfig,
} from '../../src/simulator/index.js';
import { runThreads } from '../../src/simulator/threads.js';
import { systemClock } from '../../src/time/clock.js';
import { partitionForKey } from '../../src/transport/partitioner.js';
import { brokers, consumeUntil, transport, uniqueTopic } from '../transport/kafka/helpers.js';

const N = 3000;
const RATE = 3000;
const PARTITIONS = { events: 12, userEvents: 3, productView: 3, orders: 3 } as const;

type Sequences = Map<string, string[]>;

async function topicsFor(tag: string): Promise<SimulatorConfig['topics']> {
  const topics = {
    events: uniqueTopic(`thr-${tag}-events`),
    userEvents: uniqueTopic(`thr-${tag}-user`),
    productView: uniqueTopic(`thr-${tag}-view`),
    orders: uniqueTopic(`thr-${tag}-orders`),
  };
  const t = transport();
  await t.admin().createTopics(
    (Object.keys(topics) as (keyof typeof topics)[]).map((k) => ({
      name: topics[k],
      partitions: PARTITIONS[k],
      replicationFactor: 1,
      config: {},
    })),
  );
  await t.close();
  return topics;
}

/** Each partition's event ids in offset order, under the generic names events/0, orders/2, ... */
async function readBack(topics: SimulatorConfig['topics']): Promise<Sequences> {
  const name = new Map(Object.entries(topics).map(([k, v]) => [v, k]));
  const t = transport();
  const c = t.consumer({
    groupId: uniqueTopic('thr-read'),
    topics: Object.values(topics),
    fromBeginning: true,
  });
  const records = await consumeUntil(c, (rs) => rs.length >= N, 60_000);
  await t.close();
  const out: Sequences = new Map();
  for (const r of records.sort((a, b) => a.offset - b.offset)) {
    const k = `${name.get(r.topic)}/${r.partition}`;
    if (!out.has(k)) out.set(k, []);
    out.get(k)!.push(decodeEvent(r.value).event_id);
  }
  return out;
}

/** The reference: one unpaced generator, its records placed by the partitioner. */
function reference(config: SimulatorConfig): Sequences {
  const g = createGenerator(config);
  const s = createSchedule({ ratePerSec: RATE, events: N });
  const out: Sequences = new Map();
  for (let off = s.next(); off !== null; off = s.next()) {
    const r = g.next(config.startTime + off);
    const kind = (Object.keys(config.topics) as (keyof typeof PARTITIONS)[]).find(
      (k) => config.topics[k] === r.topic,
    )!;
    const k = `${kind}/${partitionForKey(r.key!, PARTITIONS[kind])}`;
    if (!out.has(k)) out.set(k, []);
    out.get(k)!.push(r.event!.event_id);
  }
  return out;
}

const sorted = (m: Sequences) => new Map([...m].sort(([a], [b]) => (a < b ? -1 : 1)));

test(
  'every partition receives the same sequence with 1 thread (main), 2 and 3 generator threads',
  { skip: !process.env.RTAP_KAFKA_BROKERS, timeout: 180_000 },
  async () => {
    const expected = sorted(reference({ ...defaultSimulatorConfig(), startTime: 1_700_000_000_000 }));
    for (const threads of [1, 2, 3]) {
      const topics = await topicsFor(String(threads));
      // The model's timeline starts at the schedule's origin, a moment ahead: events depend on the config only.
      const origin = Math.ceil(systemClock.now()) + 1500;
      const config = { ...defaultSimulatorConfig(), topics, startTime: origin };
      if (threads === 1) {
        const t = transport();
        const p = t.producer();
        const s = await runOpenLoop(
          createGenerator(config),
          p,
          { ratePerSec: RATE, events: N, origin },
          systemClock,
        );
        await p.close();
        await t.close();
        assert.equal(s.acked, N);
      } else {
        const s = await runThreads({
          threads,
          config,
          pacing: { ratePerSec: RATE, events: N },
          transport: { brokers: brokers() },
          clientId: 'test-threads',
          origin,
        });
        assert.equal(s.acked, N, `threads ${threads}`);
      }
      const got = sorted(await readBack(topics));
      assert.deepEqual([...got.keys()], [...expected.keys()], `threads ${threads}: the same partitions`);
      for (const [k, ids] of expected) assert.deepEqual(got.get(k), ids, `threads ${threads}: ${k}`);
    }
  },
);

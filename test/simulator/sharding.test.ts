import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  createGenerator,
  createShardGenerator,
  defaultSimulatorConfig,
  type SimRecord,
  type SimulatorConfig,
} from '../../src/simulator/index.js';
import { partitionForKey } from '../../src/transport/partitioner.js';

const START = Date.UTC(2024, 0, 1);
const KNOBS: Partial<SimulatorConfig> = { lateShare: 0.05, duplicateShare: 0.02, malformedShare: 0.02 };

function digest(records: SimRecord[]): string {
  const h = createHash('sha256');
  for (const r of records) h.update(`${r.topic}\0${r.key}\0`).update(r.value);
  return h.digest('hex');
}

test('the stream is the round-robin merge of its shards: call i is answered by shard i mod shards', () => {
  for (const profile of ['website', 'eventflow'] as const) {
    const config = { ...defaultSimulatorConfig(), ...KNOBS, profile, shards: 3 };
    const merged = createGenerator(config);
    const parts = [0, 1, 2].map((s) => createShardGenerator(config, s));
    const a: SimRecord[] = [];
    const b: SimRecord[] = [];
    for (let i = 0; i < 6000; i++) {
      a.push(merged.next(START + i * 5));
      b.push(parts[i % 3].next(START + i * 5));
    }
    assert.equal(digest(a), digest(b), profile);
    assert.equal(merged.stats.records, 6000);
  }
});

test("a shard's keys land on its own partitions of every topic whose partition count it divides", () => {
  for (const profile of ['website', 'eventflow'] as const) {
    const config = { ...defaultSimulatorConfig(), ...KNOBS, profile, shards: 3 };
    for (let shard = 0; shard < 3; shard++) {
      const g = createShardGenerator(config, shard);
      let sessions = 0;
      for (let i = 0; i < 4000; i++) {
        const r = g.next(START + i * 15);
        assert.ok(r.key !== null);
        if (r.event?.event_type === 'session') sessions++;
        for (const n of [3, 6, 12]) {
          assert.equal(partitionForKey(r.key, n) % 3, shard, `${profile} ${r.topic} key ${r.key} in ${n}`);
        }
      }
      if (profile === 'website')
        assert.ok(sessions > 100, 'session events (keyed by session id) were checked');
    }
  }
});

test('shards split the users and keep the traffic mix: every user of a shard hashes to it', () => {
  const config = { ...defaultSimulatorConfig(), shards: 3 };
  const usersOf = [0, 1, 2].map((s) => {
    const g = createShardGenerator(config, s);
    const users = new Set<string>();
    for (let i = 0; i < 5000; i++) users.add(g.next(START + i * 5).event!.user_id);
    return users;
  });
  for (let a = 0; a < 3; a++)
    for (let b = a + 1; b < 3; b++)
      assert.equal([...usersOf[a]].filter((u) => usersOf[b].has(u)).length, 0, `shards ${a} and ${b}`);
});

test('a shard count that leaves a shard without users is refused, naming the knob', () => {
  assert.throws(
    () => createGenerator({ ...defaultSimulatorConfig(), users: 1, shards: 3 }),
    /simulator\.users: 1 user\(s\) leave shard/,
  );
  assert.throws(() => createGenerator({ ...defaultSimulatorConfig(), shards: 0 }), /simulator\.shards/);
});

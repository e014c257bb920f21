import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_TOPOLOGY,
  loadTopology,
  parseTopology,
  pipelineTopicsOf,
} from '../../src/provision/index.js';

const DAY = 86_400_000;

test('the default topology carries the reference documents topics', () => {
  const t = loadTopology(DEFAULT_TOPOLOGY);
  const byName = new Map(t.topics.map((s) => [s.name, s]));
  const expect: [string, number, number, string][] = [
    ['website-analytics-events', 12, 7 * DAY, 'delete'],
    ['processed-metrics', 6, 1 * DAY, 'compact,delete'],
    ['cep-alerts', 3, 3 * DAY, 'delete'],
    ['events-deadletter', 3, 7 * DAY, 'delete'],
    ['user-events', 3, 7 * DAY, 'delete'],
    ['product-view', 3, 7 * DAY, 'delete'],
    ['orders', 3, 30 * DAY, 'delete'],
  ];
  assert.equal(t.topics.length, expect.length);
  for (const [name, partitions, retention, cleanup] of expect) {
    const s = byName.get(name)!;
    assert.ok(s, name);
    assert.equal(s.partitions, partitions, name);
    assert.equal(s.replicationFactor, 3, name);
    assert.equal(s.config['retention.ms'], String(retention), name);
    assert.equal(s.config['cleanup.policy'], cleanup, name);
  }
});

test('errors name the file and the JSON path of the bad value', () => {
  const f = 'topo.json';
  const cases: [unknown, RegExp][] = [
    [[], /topo\.json: \/: expected an object/],
    [{ topics: [] }, /topo\.json: \/topics: expected a non-empty array/],
    [
      { topics: [{ name: 'a', partitions: '12' }] },
      /topo\.json: \/topics\/0\/partitions: expected a whole number ≥ 1, got "12"/,
    ],
    [
      {
        topics: [
          { name: 'a', partitions: 1 },
          { name: 'b', partitions: 0 },
        ],
      },
      /\/topics\/1\/partitions: expected a whole number ≥ 1, got 0/,
    ],
    [{ topics: [{ name: 'a b', partitions: 1 }] }, /\/topics\/0\/name: expected a topic name/],
    [
      {
        topics: [
          { name: 'a', partitions: 1 },
          { name: 'a', partitions: 1 },
        ],
      },
      /\/topics\/1\/name: topic 'a' is listed twice/,
    ],
    [
      { topics: [{ name: 'a', partitions: 1, retention: 'a week' }] },
      /\/topics\/0\/retention: expected a duration/,
    ],
    [
      { topics: [{ name: 'a', partitions: 1, cleanupPolicy: 'compacted' }] },
      /\/topics\/0\/cleanupPolicy: expected one of delete, compact, compact,delete/,
    ],
    [{ topics: [{ name: 'a', partitions: 1, partition: 2 }] }, /\/topics\/0\/partition: unknown key/],
    [
      { defaults: { replicationFactor: 0 }, topics: [{ name: 'a', partitions: 1 }] },
      /\/defaults\/replicationFactor: expected a whole number ≥ 1/,
    ],
    [
      { topics: [{ name: 'a', partitions: 1, config: { 'min.insync.replicas': [2] } }] },
      /\/topics\/0\/config\/min\.insync\.replicas: expected a string, number or boolean/,
    ],
  ];
  for (const [json, re] of cases) assert.throws(() => parseTopology(json, f), re, JSON.stringify(json));
});

test('retention accepts durations and milliseconds; config values become strings; defaults apply', () => {
  const t = parseTopology(
    {
      defaults: { replicationFactor: 2 },
      topics: [
        { name: 'a', partitions: 2, retention: '36h', config: { 'min.insync.replicas': 2 } },
        { name: 'b', partitions: 1, retention: 5000, replicationFactor: 1 },
      ],
    },
    'x.json',
  );
  assert.deepEqual(t.topics[0], {
    name: 'a',
    partitions: 2,
    replicationFactor: 2,
    config: { 'min.insync.replicas': '2', 'retention.ms': String(36 * 3_600_000) },
  });
  assert.deepEqual(t.topics[1], {
    name: 'b',
    partitions: 1,
    replicationFactor: 1,
    config: { 'retention.ms': '5000' },
  });
});

test('unreadable and invalid JSON files are usage errors naming the file (and the line and column)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtap-topo-'));
  try {
    assert.throws(
      () => loadTopology(join(dir, 'missing.json')),
      /cannot read topology file .*missing\.json: no such file/,
    );
    writeFileSync(join(dir, 'bad.json'), '{ "topics": [ ');
    assert.throws(() => loadTopology(join(dir, 'bad.json')), /bad\.json: not valid JSON/);
    // A syntax error inside: the line and column of the offending character.
    writeFileSync(join(dir, 'bad.json'), '{\n  "topics": [\n    { "name": "a", partitions: 3 }\n  ]\n}\n');
    assert.throws(() => loadTopology(join(dir, 'bad.json')), /bad\.json:3:20: not valid JSON: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('roles: explicit, by reference name, EventFlow and dead letters falling back', () => {
  const f = 'roles.json';
  const t = parseTopology(
    {
      topics: [
        { name: 'events_raw', role: 'events', partitions: 3 },
        { name: 'events_deadletter', role: 'deadLetter', partitions: 1 },
        { name: 'cep-alerts', partitions: 2 },
      ],
    },
    f,
  );
  const p = pipelineTopicsOf(t);
  assert.deepEqual(p.names, {
    events: 'events_raw',
    userEvents: 'events_raw',
    productView: 'events_raw',
    orders: 'events_raw',
    deadLetter: 'events_deadletter',
    results: 'processed-metrics', // not in the file: the reference name, created by the embedded log
    alerts: 'cep-alerts', // by its reference name
  });
  assert.equal(p.partitions.events_raw, 3);
  assert.equal(p.partitions['cep-alerts'], 2);
  assert.equal(p.partitions['processed-metrics'], 6);
  const bad: [unknown, RegExp][] = [
    [
      { topics: [{ name: 'a', role: 'input', partitions: 1 }] },
      /roles\.json: \/topics\/0\/role: expected one of events/,
    ],
    [
      {
        topics: [
          { name: 'a', role: 'events', partitions: 1 },
          { name: 'b', role: 'events', partitions: 1 },
        ],
      },
      /\/topics\/1\/role: role 'events' is already taken by \/topics\/0 \(a\)/,
    ],
  ];
  for (const [json, re] of bad) assert.throws(() => parseTopology(json, f), re);
  assert.throws(
    () => pipelineTopicsOf(parseTopology({ topics: [{ name: 'x', partitions: 1 }] }, f)),
    /roles\.json: \/topics: no topic for the events/,
  );
});

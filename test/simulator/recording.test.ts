import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeEvent } from '../../src/events/codec.js';
import { InvalidEventError } from '../../src/events/validate.js';
import {
  defaultSimulatorConfig,
  generateRecords,
  readRecording,
  replay,
  writeRecording,
  type RecordedEntry,
  type SimRecord,
  type SimulatorConfig,
} from '../../src/simulator/index.js';
import { createEmbeddedTransport } from '../../src/transport/embedded/index.js';
import type { ConsumedRecord } from '../../src/transport/types.js';
import { systemClock, VirtualClock } from '../../src/time/clock.js';

const dir = mkdtempSync(join(tmpdir(), 'rtap-rec-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const FAULTY: Partial<SimulatorConfig> = { lateShare: 0.05, duplicateShare: 0.02, malformedShare: 0.03 };

function records(seed: number, events: number): { record: SimRecord; intended: number }[] {
  return [...generateRecords({ ...defaultSimulatorConfig(), seed, ...FAULTY }, { ratePerSec: 200, events })];
}

async function readAll(path: string): Promise<RecordedEntry[]> {
  const out: RecordedEntry[] = [];
  for await (const e of readRecording(path)) out.push(e);
  return out;
}

test('recording the same seed twice gives byte-identical files (plain and gzip); another seed differs', async () => {
  for (const ext of ['jsonl', 'jsonl.gz']) {
    const a = join(dir, `a.${ext}`);
    const b = join(dir, `b.${ext}`);
    const c = join(dir, `c.${ext}`);
    assert.equal(await writeRecording(a, records(42, 3000)), 3000);
    await writeRecording(b, records(42, 3000));
    await writeRecording(c, records(43, 3000));
    assert.ok(readFileSync(a).equals(readFileSync(b)), ext);
    assert.ok(!readFileSync(a).equals(readFileSync(c)), ext);
  }
});

test('unpaced generation starts at the fixed epoch with the schedule spacing', () => {
  const rs = records(1, 10);
  rs.forEach(({ intended }, i) => assert.equal(intended, Date.UTC(2024, 0, 1) + i * 5));
});

test('a recording reads back as the events, and malformed records as their exact bytes', async () => {
  const rs = records(5, 4000);
  const path = join(dir, 'read.jsonl.gz');
  await writeRecording(path, rs);
  const entries = await readAll(path);
  assert.equal(entries.length, rs.length);
  entries.forEach((e, i) => {
    const r = rs[i].record;
    if (r.event) {
      assert.equal(e.kind, 'event');
      assert.deepEqual(e.kind === 'event' && e.event, r.event);
    } else {
      assert.equal(e.kind, 'malformed');
      if (e.kind !== 'malformed') return;
      assert.ok(e.value.equals(r.value));
      assert.equal(e.topic, r.topic);
      assert.equal(e.key, r.key);
      assert.equal(e.reason, r.malformedReason);
    }
  });
  // Valid lines are plain event JSON: the line is exactly the JSON encoding.
  const plain = join(dir, 'read.jsonl');
  await writeRecording(plain, rs.slice(0, 50));
  const lines = readFileSync(plain, 'utf8').trimEnd().split('\n');
  rs.slice(0, 50).forEach(({ record }, i) => {
    if (record.event) assert.equal(lines[i], JSON.stringify(record.event));
  });
});

test('a corrupt recording line is reported with its file and line number', async () => {
  const path = join(dir, 'bad.jsonl');
  const { writeFileSync } = await import('node:fs');
  const first = JSON.stringify(records(1, 1)[0].record.event);
  writeFileSync(path, `${first}\n{"event_type":"page_view"}\n`);
  await assert.rejects(readAll(path), /bad\.jsonl:2: not a valid event: event_id: missing/);
});

test('replay through the embedded log reproduces the stream: topics, keys, events and malformed bytes', async () => {
  const rs = records(9, 3000);
  const path = join(dir, 'replay.jsonl.gz');
  await writeRecording(path, rs);
  const topics = ['website-analytics-events', 'user-events', 'product-view', 'orders'];
  const transport = createEmbeddedTransport({
    topics: topics.map((name) => ({ name, partitions: 3, replicationFactor: 1, config: {} })),
  });
  const summary = await replay(
    path,
    transport.producer(),
    { speed: 'max', topics: defaultSimulatorConfig().topics, encoding: 'avro', eventTime: 'keep' },
    systemClock,
  );
  assert.equal(summary.acked, rs.length);
  assert.equal(summary.malformed, rs.filter((r) => !r.record.event).length);
  assert.equal(summary.duplicates, rs.filter((r) => r.record.duplicate).length);
  const consumed: ConsumedRecord[] = [];
  const consumer = transport.consumer({ groupId: 'check', topics, fromBeginning: true });
  const running = consumer.run(async (batch) => {
    consumed.push(...batch.records);
    if (consumed.length >= rs.length) void consumer.stop();
  });
  await running;
  assert.equal(consumed.length, rs.length);
  // Partitions interleave: compare per (topic, key) in order, as the log guarantees.
  const group = <T>(xs: T[], k: (x: T) => string) => {
    const m = new Map<string, T[]>();
    for (const x of xs) m.set(k(x), [...(m.get(k(x)) ?? []), x]);
    return m;
  };
  const sent = group(
    rs.map((r) => r.record),
    (r) => `${r.topic}/${r.key}`,
  );
  const got = group(consumed, (c) => `${c.topic}/${c.key}`);
  assert.equal(got.size, sent.size);
  for (const [k, list] of sent) {
    const back = got.get(k)!;
    assert.equal(back.length, list.length, k);
    list.forEach((r, i) => {
      if (!r.event) {
        assert.ok(back[i].value.equals(r.value), 'malformed bytes unchanged');
        assert.throws(
          () => decodeEvent(back[i].value),
          (e: unknown) => e instanceof InvalidEventError && e.message.includes(r.malformedReason!),
        );
        return;
      }
      const e = decodeEvent(back[i].value);
      const { intended_send_time: _a, ...rest } = e;
      const { intended_send_time: _b, ...orig } = r.event;
      assert.deepEqual(rest, orig);
    });
  }
  await transport.close();
});

test('replay re-stamps intended send times by the speed and shifts event times by whole minutes', async () => {
  const rs = records(2, 300).filter((r) => r.record.event && !r.record.duplicate);
  const path = join(dir, 'speed.jsonl');
  await writeRecording(path, rs);
  const T = Date.UTC(2025, 5, 1, 12, 0, 30, 250);
  const clock = new VirtualClock(T);
  const got: { intended: number; record: SimRecord }[] = [];
  const sink = { send: async () => [], flush: async () => {}, close: async () => {} };
  const run = replay(
    path,
    sink,
    { speed: 2, topics: defaultSimulatorConfig().topics, encoding: 'json' },
    clock,
    {
      onRecord: (record, intended) => got.push({ intended, record }),
    },
  );
  let done = false;
  void run.finally(() => (done = true));
  while (!done) {
    await new Promise((r) => setImmediate(r));
    // Time moves only while the replay waits for it (not while it reads the file): the start is exactly T.
    if (clock.sleeping > 0) await clock.advance(1);
  }
  assert.equal(got.length, rs.length);
  const first = rs[0].intended;
  // Independent expectation: replay start + recorded offset / 2; event time + the whole minutes between starts.
  const start = got[0].intended;
  assert.equal(start, T);
  const shift = Math.floor((Math.round(start) - first) / 60_000) * 60_000;
  got.forEach(({ intended, record }, i) => {
    assert.equal(intended, start + (rs[i].intended - first) / 2);
    assert.equal(record.event!.intended_send_time, Math.round(intended));
    assert.equal(record.event!.event_time, rs[i].record.event!.event_time + shift);
  });
});

/**
 * The fault tests' yardstick: a pipeline run's committed outputs (read_committed), made comparable across
 * runs, and the plumbing to feed a fresh set of topics from one seeded recording.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { partitionForKey } from '../../src/transport/partitioner.js';
import { caughtUp, endOffsets, kafka, readCommitted, spawnRtap, type ProcessChild } from './helpers.js';

export const INPUTS = ['website-analytics-events', 'user-events', 'product-view', 'orders'];
export const OUTPUTS = ['processed-metrics', 'cep-alerts', 'events-deadletter'];
export type Outputs = Record<string, string[]>;
type Ends = Map<string, Map<string, number>>;

/** What must be identical between runs: everything but wall-clock fields (emission time, watermark then, latencies). */
function canonical(topic: string, value: string): string {
  if (topic === 'events-deadletter') return value; // the original record bytes
  const v = JSON.parse(value) as Record<string, unknown>;
  if (topic === 'processed-metrics') {
    delete v.emitted_at;
    delete v.watermark;
    // kpis carries the window's end-to-end latency percentiles: wall-clock measurements, not results.
    const fields = v.fields as Record<string, unknown> | undefined;
    if (v.view === 'kpis' && fields)
      for (const f of Object.keys(fields)) if (f.startsWith('latency_')) delete fields[f];
  } else delete v.detected_at;
  return JSON.stringify(v);
}

/** Per output topic, the sorted multiset of (key, canonical value) committed after `from`. */
export async function readOutputs(brokers: string, from: Ends): Promise<Outputs> {
  const out: Outputs = {};
  for (const topic of OUTPUTS) {
    const records = await readCommitted(brokers, topic, from.get(topic)!);
    // A dead letter's kind (malformed / late) is part of the result; its reason text names run-specific offsets.
    const kind = (r: (typeof records)[number]) =>
      topic === 'events-deadletter' ? ` ${r.headers['rtap-kind']}` : '';
    out[topic] = records.map((r) => `${r.key}${kind(r)} ${canonical(topic, r.value)}`).sort();
  }
  return out;
}

/** Where each output topic ends now: a run's outputs are what comes after. */
export async function outputEnds(brokers: string): Promise<Ends> {
  const admin = kafka(brokers).admin();
  await admin.connect();
  const m: Ends = new Map();
  for (const t of OUTPUTS) m.set(t, await endOffsets(admin, [t]));
  await admin.disconnect();
  return m;
}

/** Waits until `p`'s group has committed offsets at the end of every input partition; errors carry its log. */
export async function waitCaughtUp(
  brokers: string,
  group: string,
  limitMs: number,
  p: ProcessChild,
): Promise<void> {
  const admin = kafka(brokers).admin();
  await admin.connect();
  const log = () => `\n--- rtap process log (tail) ---\n${p.stderr().slice(-4000)}`;
  try {
    const deadline = Date.now() + limitMs;
    while (!(await caughtUp(admin, group, INPUTS))) {
      if (p.child.exitCode !== null)
        throw new Error(`rtap process (group ${group}) exited before catching up${log()}`);
      if (Date.now() > deadline)
        throw new Error(`group ${group} did not catch up within ${limitMs} ms${log()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * The reference: the input already in the topics, processed by a fresh group that sees no failure, until
 * it has caught up; its committed outputs.
 */
export async function uninterruptedOutputs(
  brokers: string,
  group: string,
  checkpointDir: string,
  limitMs: number,
): Promise<Outputs> {
  const from = await outputEnds(brokers);
  const base = spawnRtap([...processArgs(brokers), '--group', group, '--checkpoint-dir', checkpointDir]);
  await waitCaughtUp(brokers, group, limitMs, base);
  base.child.kill('SIGTERM');
  assert.equal(await base.exited, 130, base.stderr()); // 130: stopped by a signal, cleanly
  return readOutputs(brokers, from);
}

/** Elements of `a` not matched one-for-one in `b`. */
function multisetMinus(a: string[], b: string[]): string[] {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  return a.filter((x) => {
    const n = left.get(x) ?? 0;
    if (n === 0) return true;
    left.set(x, n - 1);
    return false;
  });
}

/**
 * Equal multisets per topic: nothing lost, nothing duplicated. Results and alerts are also checked for
 * an identity committed twice. On failure both sides stay in a file named in the message.
 */
export function assertSameOutputs(
  actual: Outputs,
  expected: Outputs,
  label: string,
  /** What the processes said (take-overs, moves, warnings): appended to a failure, kept in the dump. */
  context?: () => string,
): void {
  assert.ok(
    expected['processed-metrics'].length > 50,
    `too few results to compare: ${expected['processed-metrics'].length}`,
  );
  assert.ok(expected['cep-alerts'].length > 0, 'no alerts to compare');
  assert.ok(expected['events-deadletter'].length > 0, 'no dead letters to compare');
  const dump = join(tmpdir(), `rtap-fault-${label.replace(/[^\w.-]+/g, '-')}.json`);
  const said = context?.() ?? '';
  writeFileSync(dump, JSON.stringify({ actual, expected, said }));
  for (const topic of OUTPUTS) {
    // Identity of one output: a result's key (view|key|window), an alert's alert_id. Dead letters have
    // none (a duplicated malformed record is dead-lettered twice), so only the multiset comparison applies.
    if (topic !== 'events-deadletter') {
      const ids = actual[topic].map((x) =>
        topic === 'cep-alerts'
          ? (JSON.parse(x.slice(x.indexOf(' ') + 1)) as { alert_id: string }).alert_id
          : x.slice(0, x.indexOf(' ')),
      );
      assert.equal(
        new Set(ids).size,
        ids.length,
        `${topic}: an output was committed twice (${label}, both runs in ${dump})${said ? `\n${said}` : ''}`,
      );
    }
    const missing = multisetMinus(expected[topic], actual[topic]);
    const extra = multisetMinus(actual[topic], expected[topic]);
    assert.ok(
      missing.length === 0 && extra.length === 0,
      `${topic} differs from the uninterrupted run (${label}, both runs in ${dump}): ${missing.length} missing, ${extra.length} extra\n` +
        `missing: ${missing.slice(0, 5).join('\n         ')}\nextra:   ${extra.slice(0, 5).join('\n         ')}` +
        (said ? `\n${said}` : ''),
    );
  }
  rmSync(dump, { force: true });
}

/**
 * A seeded recording (duplicates, malformed records, fraud patterns) split into `parts` files in send
 * order, and fresh pipeline topics on `brokers`. Event times stay the recorded ones (2024), so leftovers
 * of other tests could not mix in, and parts replayed one after another form one timeline.
 */
export async function prepareInput(
  brokers: string,
  dir: string,
  events: number,
  parts: number,
): Promise<string[]> {
  const recording = join(dir, 'events.jsonl');
  const sim = await runCli([
    'simulate',
    '--events',
    String(events),
    '--rate',
    '30/s',
    '--seed',
    '11',
    '--duplicate-share',
    '0.01',
    '--malformed-share',
    '0.005',
    '--fraud-share',
    '0.2',
    // The stream these tests were written with (one shard, the pre-issue-21 stream of seed 11). With the
    // default three shards, kill9 finds late dead letters that differ between the killed and the
    // uninterrupted run (seeds 22706, 64100; shards 1 passes with 64100): a processor nondeterminism the
    // sharded stream exposes, reported with issue 21, not hidden by this pin.
    '--shards',
    '1',
    '--out',
    recording,
  ]);
  assert.equal(sim.code, 0, sim.stderr);
  const admin = kafka(brokers).admin();
  await admin.connect();
  const existing = await admin.listTopics();
  const stale = [...INPUTS, ...OUTPUTS].filter((t) => existing.includes(t));
  if (stale.length) await admin.deleteTopics({ topics: stale, timeout: 30_000 });
  await admin.disconnect();
  for (let i = 0; ; i++) {
    const prov = await runCli(['provision', '--brokers', brokers]);
    if (prov.code === 0) break;
    if (i > 40) assert.fail(prov.stderr);
    await new Promise((r) => setTimeout(r, 500)); // deletion is asynchronous on the broker
  }
  const lines = readFileSync(recording, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  return Array.from({ length: parts }, (_, i) => {
    const file = join(dir, `part-${i}.jsonl`);
    writeFileSync(
      file,
      lines
        .slice(Math.floor((i * lines.length) / parts), Math.floor(((i + 1) * lines.length) / parts))
        .join('\n') + '\n',
    );
    return file;
  });
}

/**
 * The end of a recorded stream, made visible: one event per partition of every input topic, ten minutes
 * after the recording's last event time, written next to the parts. Every watermark then passes every
 * recorded event, so each run closes all of the recording's windows and releases all of its pattern
 * matches: outputs compared after it are the final ones, not a cut that depends on how far each
 * partition's watermark had got.
 */
export async function endOfStream(brokers: string, parts: string[], dir: string): Promise<string> {
  const lines = parts.flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0),
  );
  const events = lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return []; // the recording's malformed records
    }
  });
  const end = Math.max(...events.map((e) => Number(e.event_time)).filter(Number.isFinite)) + 600_000;
  const admin = kafka(brokers).admin();
  await admin.connect();
  const partitions = new Map(
    (await admin.fetchTopicMetadata({ topics: INPUTS })).topics.map((t) => [t.name, t.partitions.length]),
  );
  await admin.disconnect();
  const templateFor: Record<string, string> = {
    'website-analytics-events': 'page_view',
    'user-events': 'user_event',
    'product-view': 'product_view',
    orders: 'order',
  };
  const out: string[] = [];
  for (const topic of INPUTS) {
    const template = events.find((e) => e.event_type === templateFor[topic] && typeof e.user_id === 'string');
    assert.ok(template, `the recording has no ${templateFor[topic]} event to copy`);
    const n = partitions.get(topic)!;
    for (let p = 0, u = 0; p < n; p++) {
      while (partitionForKey(`eos-${u}`, n) !== p) u++;
      const id = `eos-${topic}-${p}`;
      const ids = {
        event_id: id,
        user_id: `eos-${u}`,
        ...('session_id' in template ? { session_id: id } : {}),
        ...('order_id' in template ? { order_id: id } : {}),
      };
      out.push(JSON.stringify({ ...template, ...ids, event_time: end, intended_send_time: end }));
    }
  }
  const file = join(dir, 'end-of-stream.jsonl');
  writeFileSync(file, out.join('\n') + '\n');
  return file;
}

/** Sends one part of the recording to the input topics, as fast as the brokers take it. */
export async function replayPart(brokers: string, file: string): Promise<void> {
  const r = await runCli([
    'simulate',
    '--replay',
    file,
    '--speed',
    'max',
    '--event-time',
    'keep',
    '--brokers',
    brokers,
  ]);
  assert.equal(r.code, 0, r.stderr);
}

/** `rtap process` flags both runs of a comparison share: topics sink, 1 s checkpoints, no wall-clock idleness. */
export const processArgs = (brokers: string) => [
  'process',
  '--brokers',
  brokers,
  '--sink',
  'topics',
  '--from-beginning',
  '--checkpoint-interval',
  '1s',
  '--idle-timeout',
  '24h',
];

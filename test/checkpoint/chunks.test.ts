import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryStore } from '../../src/checkpoint/store.js';
import {
  assembleState,
  blobsOf,
  DeltaEncoder,
  encodeUnit,
  FULL_EVERY,
  isStoredUnit,
  readManifest,
  unitState,
} from '../../src/checkpoint/chunks.js';

const offsets = [{ topic: 't', partition: 0, offset: 1 }];
/** Checkpoints encoded one after the other, each committed, their blobs kept by "seq writer". */
function chain() {
  const enc = new DeltaEncoder();
  const blobs = new Map<string, Buffer>();
  const save = (seq: number, s: unknown) => {
    const { blob, manifest } = enc.encode({ seq, writer: 'a1', createdAt: 0, offsets }, s);
    enc.committed(manifest);
    blobs.set(`${seq} a1`, blob);
    return { manifest, stats: enc.last };
  };
  return { save, blobs };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rtap-chunks-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A restored state with every unit parsed, as the threads running them do (unitState). */
function parsed<S>(s: S): S {
  const units = (s as { units?: Record<string, unknown> }).units;
  if (!units) return s;
  return { ...s, units: Object.fromEntries(Object.entries(units).map(([n, u]) => [n, unitState(n, u)])) };
}

const committed = (seq: number, writer = 'a1') => [
  { ...offsets[0], metadata: `rtap-checkpoint ${seq} ${writer}` },
];

/** A processor state of the shapes chunks.ts cuts: a task with dedup buckets and CEP events, a merge step. */
function state(step: number) {
  const uuid = (i: number) => `id-${String(i).padStart(30, '0')}`;
  const events: Record<string, unknown> = {};
  // Bound events accumulate: earlier ones stay as they were.
  for (let s = 0; s < (step + 1) * 3000; s++) events[s] = { event_id: uuid(s), page: '/p' };
  return {
    engine: null,
    cep: null,
    units: {
      'task-0': {
        engine: {
          format: 'rtap-engine-snapshot',
          version: 2,
          counters: { events: step },
          tasks: [
            {
              partition: 0,
              dedup: {
                bucketMs: 1000,
                buckets: Array.from({ length: step + 1 }, (_, b) => [
                  b * 1000,
                  [uuid(b * 2), uuid(b * 2 + 1)],
                ]),
              },
              views: { realtime: [[step]] },
            },
          ],
          groups: [{ task: 0, views: { sessions: [['u1', [[0, step]]]] } }],
        },
        cep: {
          version: 1,
          seq: step,
          buffer: [{ arrival: 5000 + step, event: { event_id: uuid(step) } }],
          events,
          keys: [{ pattern: 'p', key: 'k', runs: [] }],
          rules: [],
        },
      },
      merge: { engine: null, cep: null, merger: { horizon: step } },
    },
  };
}

test('an incremental checkpoint writes only the chunks that changed, and restores the whole state', () =>
  withDir(async (dir) => {
    const store = new DirectoryStore(dir);
    await store.save({ seq: 0, writer: 'a1', createdAt: 0, offsets, state: state(0) }).written;
    store.committed(0);
    const first = store.lastSave;
    await store.save({ seq: 1, writer: 'a1', createdAt: 0, offsets, state: state(1) }).written;
    store.committed(1);
    const second = store.lastSave;
    assert.equal(first.full, true);
    assert.equal(second.full, false);
    // 3000 new bound events and a dedup bucket changed; the first 3000 events were not written again.
    assert.ok(second.written < second.chunks, `${second.written} of ${second.chunks} chunks written`);
    const ck1 = statSync(join(dir, 'checkpoint-000000000001-a1.ck')).size;
    assert.ok(ck1 < JSON.stringify(state(1)).length * 0.8, `incremental blob ${ck1} bytes`);

    // A new incarnation restores checkpoint 1 from its blob and the one it refers to.
    const again = new DirectoryStore(dir);
    const c = again.read<ReturnType<typeof state>>({ seq: 1, writer: 'a1' });
    // Each unit comes back as its chunks' bytes, parsed by the thread it runs on.
    assert.ok(Object.values(c.state.units).every(isStoredUnit));
    assert.deepEqual(parsed(c.state), state(1));
    assert.equal(c.version, 2);
  }));

test('a damaged chunk of a unit is refused where the unit is parsed, naming the chunk and the file', () =>
  withDir(async (dir) => {
    const store = new DirectoryStore(dir);
    await store.save({ seq: 0, writer: 'a1', createdAt: 0, offsets, state: state(0) }).written;
    const file = join(dir, 'checkpoint-000000000000-a1.ck');
    const blob = readFileSync(file);
    const m = readManifest(blob, file);
    const [key, , , offset] = m.chunks.find((c) => c[0].startsWith('c/task-0/ev/'))!;
    const bodies = 8 + 4 + blob.readUInt32BE(8); // after the magic, the manifest's length and the manifest
    blob[bodies + offset] = 0x7b; // the chunk's '[' becomes '{'
    writeFileSync(file, blob);
    const c = new DirectoryStore(dir).read<ReturnType<typeof state>>({ seq: 0, writer: 'a1' });
    assert.deepEqual(
      unitState('merge', c.state.units.merge),
      state(0).units.merge,
      'the other unit is whole',
    );
    assert.throws(
      () => unitState('task-0', c.state.units['task-0']),
      (e: Error) => e.message.includes(`chunk ${key} cannot be read`) && e.message.includes(file),
    );
  }));

test('the checkpoint read ahead is the one restored only if the committed offsets name it', () =>
  withDir(async (dir) => {
    const store = new DirectoryStore(dir);
    await store.save({ seq: 0, writer: 'a1', createdAt: 0, offsets, state: state(0) }).written;
    store.committed(0);
    // Written, but its transaction never committed (a crash between): the newest file is not the state.
    await store.save({ seq: 1, writer: 'a1', createdAt: 0, offsets, state: state(1) }).written;
    const again = new DirectoryStore(dir);
    const ahead = again.prefetch<ReturnType<typeof state>>();
    assert.deepEqual(ahead?.id, { seq: 1, writer: 'a1' });
    const c = await again.load(committed(0), 'here', ahead);
    assert.equal(c?.seq, 0);
    assert.deepEqual(parsed(c?.state), state(0));
    // The next checkpoint refers to checkpoint 0's chunks, the one restored: unchanged ones are not written.
    await again.save({ seq: 1, writer: 'b2', createdAt: 0, offsets, state: state(0) }).written;
    assert.ok(again.lastSave.written < again.lastSave.chunks / 2, `${again.lastSave.written} written`);
    again.committed(1);
    const third = new DirectoryStore(dir);
    const named = third.prefetch<ReturnType<typeof state>>();
    assert.deepEqual(named?.id, { seq: 1, writer: 'b2' });
    const d = await third.load(committed(1, 'b2'), 'here', named);
    assert.equal(d, named?.checkpoint, 'the checkpoint read ahead, not read again');
    assert.deepEqual(parsed(d?.state), state(0));
  }));

test('old blobs go once no kept checkpoint refers to them; a full one every FULL_EVERY bounds the chain', () =>
  withDir(async (dir) => {
    const store = new DirectoryStore(dir);
    const n = FULL_EVERY + 3;
    for (let seq = 0; seq < n; seq++) {
      await store.save({ seq, writer: 'a1', createdAt: 0, offsets, state: state(seq % 4) }).written;
      store.committed(seq);
    }
    const files = readdirSync(dir).sort();
    // Checkpoint FULL_EVERY was full: blob 0 and its chain are no longer referenced, except by the
    // previous committed checkpoint's chain, which starts at FULL_EVERY too.
    assert.ok(!files.includes('checkpoint-000000000000-a1.ck'), files.join(' '));
    assert.ok(files.includes(`checkpoint-${String(FULL_EVERY).padStart(12, '0')}-a1.ck`), files.join(' '));
    assert.ok(files.length <= 4, files.join(' '));
    const restored = await new DirectoryStore(dir).load(committed(n - 1), 'here');
    assert.deepEqual(parsed(restored?.state), state((n - 1) % 4));
  }));

test('a blob whose referenced chunk is gone is refused, naming the chunk and the checkpoint it was in', () =>
  withDir(async (dir) => {
    const store = new DirectoryStore(dir);
    await store.save({ seq: 0, writer: 'a1', createdAt: 0, offsets, state: state(0) }).written;
    store.committed(0);
    await store.save({ seq: 1, writer: 'a1', createdAt: 0, offsets, state: state(1) }).written;
    rmSync(join(dir, 'checkpoint-000000000000-a1.ck'));
    assert.throws(
      () => new DirectoryStore(dir).read({ seq: 1, writer: 'a1' }),
      (e: Error) =>
        /chunk \S+ is in checkpoint 0 \(writer a1\), which is missing/.test(e.message) &&
        e.message.includes(dir),
    );
  }));

test('a restore fetches each blob of the chain once, however many of its chunks the manifest lists', () => {
  // Fetching per chunk made restores quadratic: hundreds of chunks, each re-reading its blob's file.
  const enc = new DeltaEncoder();
  const blobs = new Map<string, Buffer>();
  let manifest: ReturnType<DeltaEncoder['encode']>['manifest'] | null = null;
  for (let seq = 0; seq < FULL_EVERY - 1; seq++) {
    const { blob, manifest: m } = enc.encode({ seq, writer: 'a1', createdAt: 0, offsets }, state(seq % 5));
    enc.committed(m);
    blobs.set(`${seq} a1`, blob);
    manifest = m;
  }
  assert.ok(manifest && manifest.chunks.length >= 10, `${manifest?.chunks.length} chunks`);
  const fetched: string[] = [];
  const got = assembleState(
    manifest,
    (seq, writer) => {
      fetched.push(`${seq} ${writer}`);
      return blobs.get(`${seq} ${writer}`);
    },
    'here',
  );
  assert.deepEqual(got, state((FULL_EVERY - 2) % 5));
  assert.equal(fetched.length, new Set(fetched).size, `fetched: ${fetched.join(', ')}`);
  assert.equal(fetched.length, blobsOf(manifest).length);
});

test('a session view is cut by key hash and a windowed view by pane: one changed key rewrites one bucket', () => {
  // At 10k events/s the sessions alone are megabytes; a second of events reaches a fraction of the keys.
  const sessions = (changed: number) =>
    Array.from({ length: 2000 }, (_, i) => [`user-${i}`, [[i, i + (i === 7 ? changed : 0), { n: i }]]]);
  const panes = (changed: number) => [
    [0, [['a', 1]]],
    [60_000, [['a', changed]]],
  ];
  const st = (changed: number) => ({
    units: {
      'task-0': {
        engine: {
          format: 'rtap-engine-snapshot',
          version: 2,
          tasks: [{ partition: 0, dedup: null, views: { tumbling: panes(changed) } }],
          groups: [{ task: 0, views: { sessions: sessions(changed) } }],
        },
        cep: null,
      },
    },
  });
  const { save, blobs } = chain();
  const first = save(0, st(0));
  const second = save(1, st(1));
  // The session bucket of user-7 and its newest pane, nothing else (unchanged heads hash the same); the
  // rest of the blob is the manifest.
  assert.equal(second.stats.written, 2, `${second.stats.written} of ${second.stats.chunks} written`);
  assert.ok(
    second.stats.bytes < first.stats.bytes / 4,
    `${second.stats.bytes} of ${first.stats.bytes} bytes`,
  );
  const got = assembleState(second.manifest, (seq, w) => blobs.get(`${seq} ${w}`), 'here') as ReturnType<
    typeof st
  >;
  const g = got.units['task-0'].engine.groups[0].views.sessions as unknown[];
  // Keys come back by bucket, not in the map's order: the same entries.
  assert.deepEqual(
    [...g].sort((a, b) => ((a as string[])[0] < (b as string[])[0] ? -1 : 1)),
    [...sessions(1)].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
  );
  assert.deepEqual(got.units['task-0'].engine.tasks, st(1).units['task-0'].engine.tasks);
});

test("a pane's large distinct set is cut in ranges: the ones that did not grow are not written again", () => {
  // At 10k events/s the session ids of each open 1-minute pane were rewritten whole every second.
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `s-${(i * 2654435761) % 1e9}`);
  const st = (n: number) => ({
    units: {
      'task-0': {
        engine: {
          format: 'rtap-engine-snapshot',
          version: 2,
          tasks: [
            {
              partition: 0,
              dedup: null,
              views: {
                kpis: [
                  [
                    60_000,
                    [['', { events: n, sessions: { $set: ids(n) }, small: { $set: ['a'] } }, n, 0, true]],
                  ],
                ],
              },
            },
          ],
          groups: [],
        },
        cep: null,
      },
    },
  });
  const { save, blobs } = chain();
  const first = save(0, st(20_000));
  const ranges = first.manifest.chunks.filter((c) => c[0].includes('/s/'));
  assert.equal(ranges.length, Math.ceil(20_000 / 4096), ranges.map((c) => c[0]).join(' '));
  const second = save(1, st(20_100));
  // The pane without its sets (its counts changed) and the last range; the full ranges are referenced.
  assert.equal(second.stats.written, 2, `${second.stats.written} of ${second.stats.chunks} written`);
  assert.ok(
    second.stats.bytes < first.stats.bytes / 3,
    `${second.stats.bytes} of ${first.stats.bytes} bytes`,
  );
  const third = save(2, st(24_576)); // 6 ranges exactly: the fifth fills up, the sixth is new
  assert.equal(third.stats.written, 3, `${third.stats.written} of ${third.stats.chunks} written`);
  for (const [m, n] of [
    [second.manifest, 20_100],
    [third.manifest, 24_576],
  ] as const)
    assert.deepEqual(
      assembleState(m, (seq, w) => blobs.get(`${seq} ${w}`), 'here'),
      st(n),
      'the set comes back whole, in insertion order',
    );
});

test('CEP partial matches cut by key hash come back in the order their keys were inserted', () => {
  // Eviction takes the oldest key first and timers tie-break in key order: a reordered restore would
  // change the alerts of a restarted run.
  const keys = Array.from({ length: 3000 }, (_, i) => ({
    pattern: i % 2 ? 'a' : 'b',
    key: `k${(i * 7919) % 3001}`,
    runs: [],
  }));
  const st = {
    units: { merge: { engine: null, cep: { version: 1, seq: 0, buffer: [], events: {}, keys, rules: [] } } },
  };
  const enc = new DeltaEncoder();
  const { blob, manifest } = enc.encode({ seq: 0, writer: 'a1', createdAt: 0, offsets }, st);
  assert.ok(manifest.chunks.filter((c) => c[0].startsWith('c/merge/k/')).length > 100);
  assert.deepEqual(
    assembleState(manifest, () => blob, 'here'),
    st,
  );
});

test('units encoded on their own thread (encodeUnit against known) give the blobs the store would have written', () => {
  const here = new DeltaEncoder(4);
  const there = new DeltaEncoder(4);
  for (let step = 0; step < 6; step++) {
    const c = { seq: step, writer: 'a1', createdAt: 0, offsets };
    const s = state(step);
    const mine = here.encode(c, s);
    // The task's unit arrives encoded, relative to what the encoder says the next checkpoint may refer to.
    const known = there.known();
    assert.equal(known === null, step % 4 === 0, `step ${step}: full ones know nothing`);
    const task = encodeUnit('task-0', s.units['task-0'], known);
    if (known)
      assert.ok(
        task.$chunks.some((ch) => ch[2] === null),
        'unchanged chunks come without a body',
      );
    const theirs = there.encode(c, { ...s, units: { ...s.units, 'task-0': task } });
    assert.deepEqual(theirs.blob, mine.blob, `step ${step}`);
    here.committed(mine.manifest);
    there.committed(theirs.manifest);
  }
});

test('a chunk sent without its body that the previous checkpoint does not hold is refused', () => {
  const enc = new DeltaEncoder();
  const s = state(0);
  const task = encodeUnit('task-0', s.units['task-0'], new Map([['u/task-0', 'stale']]));
  task.$chunks = task.$chunks.map(([k, sig]) => [k, sig, null]);
  assert.throws(
    () =>
      enc.encode(
        { seq: 0, writer: 'a1', createdAt: 0, offsets },
        { ...s, units: { ...s.units, 'task-0': task } },
      ),
    /chunk u\/task-0 came without its body/,
  );
});

test('a buffer chunk that lost two events and gained two of the same count and sum is written again', () =>
  withDir(async (dir) => {
    const withBuffer = (arrivals: number[]) => {
      const s = state(0);
      s.units['task-0'].cep.buffer = arrivals.map((arrival) => ({
        arrival,
        event: { event_id: `e${arrival}`, event_time: 1_704_067_200_000 + 10 },
      }));
      return s;
    };
    const store = new DirectoryStore(dir);
    await store.save({ seq: 0, writer: 'a1', createdAt: 0, offsets, state: withBuffer([10, 12, 14]) })
      .written;
    store.committed(0);
    // {10, 14} released, {11, 13} arrived: three events, sum 36, in the same second of event time.
    const after = withBuffer([11, 12, 13]);
    await store.save({ seq: 1, writer: 'a1', createdAt: 0, offsets, state: after }).written;
    store.committed(1);
    const c = new DirectoryStore(dir).read<ReturnType<typeof state>>({ seq: 1, writer: 'a1' });
    assert.deepEqual(parsed(c.state).units['task-0'].cep.buffer, after.units['task-0'].cep.buffer);
  }));

test('with many partial-match keys, a few new keys rewrite a few chunks, not a bucket of every key', () => {
  const withKeys = (n: number) => {
    const s = state(0);
    s.units['task-0'].cep.keys = Array.from({ length: n }, (_, i) => ({
      pattern: 'session_abandonment',
      key: `s-${i}`,
      runs: [],
    }));
    return s;
  };
  const enc = new DeltaEncoder();
  const first = enc.encode({ seq: 0, writer: 'a1', createdAt: 0, offsets }, withKeys(20_000));
  enc.committed(first.manifest);
  enc.encode({ seq: 1, writer: 'a1', createdAt: 0, offsets }, withKeys(20_050));
  const keyChunks = first.manifest.chunks.filter((c) => c[0].includes('/k/')).length;
  assert.ok(keyChunks >= 512, `${keyChunks} key chunks for 20,000 keys`);
  // 50 new keys: at most 50 key chunks, the CEP head (key order) and the dedup/top heads change.
  assert.ok(enc.last.written <= 60, `${enc.last.written} of ${enc.last.chunks} chunks written`);
});

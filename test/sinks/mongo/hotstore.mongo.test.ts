/**
 * The MongoDB hot store end to end against a real server of the MongoDB wire protocol (the `mongo` test
 * service: FerretDB on SQLite, or RTAP_MONGO_URL): a recorded run is processed with `--sink mongo`, rtap
 * is killed with SIGKILL in the middle and run again; every minute of the kpis view must then be one
 * document with the JSONL sink's values, agree with the recording, and the dashboard's
 * /kpis?minutes_back= must answer from the store. Retention: a TTL index, or rtap's own deletion where
 * the server has none.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { startDashboard } from '../../../src/dashboard/index.js';
import { mongoKpiArchive } from '../../../src/dashboard/mongo-kpis.js';
import type { ViewResult } from '../../../src/events/results.js';
import { DEFAULT_MONEY, totalIn } from '../../../src/events/currency.js';
import { createMongoSink } from '../../../src/sinks/mongo/index.js';
import { ManualFeed, kpis } from '../../dashboard/synthetic.js';
import { runCli, startCli } from '../../helpers/cli.js';
import { startFerretDb, type FerretDb } from '../../services/mongo.js';
import { countMinutes, readMinutes, withDb } from './readback.js';

let url: string;
let kind: string;
let own: FerretDb | null = null;
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtap-mongo-test-'));
  if (process.env.RTAP_MONGO_URL) {
    url = process.env.RTAP_MONGO_URL;
    kind = process.env.RTAP_MONGO_KIND ?? 'mongodb';
  } else {
    url = (own = await startFerretDb()).url;
    kind = 'ferretdb';
  }
});
after(async () => {
  await own?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const MINUTE = 60_000;

test(
  'kill -9 mid-run and a rerun: one document per kpis minute with the JSONL sink values, matching the recording; /kpis reads it',
  { timeout: 240_000 },
  async () => {
    const rec = join(dir, 'events.jsonl');
    const sim = await runCli([
      'simulate',
      '--events',
      '150000',
      '--rate',
      '40/s',
      '--duplicate-share',
      '0.02',
      '--seed',
      '17',
      '--out',
      rec,
    ]);
    assert.equal(sim.code, 0, sim.stderr);
    const db = `hot_${randomBytes(4).toString('hex')}`;
    const args = ['process', '--input', rec, '--views', 'kpis', '--patterns', 'none'];
    const sink = ['--sink', 'mongo', '--mongo-url', withDb(url, db)];

    const first = startCli([...args, ...sink]);
    let exited = false;
    void first.exited.then(() => (exited = true));
    let atKill = 0;
    const deadline = Date.now() + 60_000;
    while (atKill === 0 && Date.now() < deadline && !exited) {
      await sleep(50);
      atKill = await countMinutes(url, db);
    }
    assert.ok(!exited, `the first run ended before it could be killed:\n${first.stderr()}`);
    first.child.kill('SIGKILL');
    await first.exited;
    const afterKill = await countMinutes(url, db);

    const results = join(dir, 'results.jsonl');
    const secondStart = Date.now();
    const second = await runCli([...args, ...sink, '--output', results], { timeoutMs: 180_000 });
    assert.equal(second.code, 0, second.stderr);
    const finals = readFileSync(results, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ViewResult & { kind: string })
      .filter((r) => r.kind === 'result' && r.view === 'kpis' && r.emit === 'final');
    const docs = await readMinutes(url, db);
    assert.ok(afterKill > 0 && afterKill < finals.length, `killed mid-run: ${afterKill} of ${finals.length}`);
    assert.equal(docs.size, finals.length, 'one document per minute');
    for (const r of finals) {
      const d = docs.get(r.window_start);
      assert.ok(d, `minute ${r.window_start}`);
      assert.equal((d.minute as Date).getTime(), r.window_start);
      assert.equal((d.window_end as Date).getTime(), r.window_end);
      assert.equal(d.event_count, r.event_count);
      for (const [k, v] of Object.entries(r.fields)) assert.deepEqual(d[k], v, `${r.window_start} ${k}`);
      assert.ok((d.stored_at as Date).getTime() >= secondStart - 1000, 'rewritten by the rerun (upsert)');
    }

    // Independently of the engine: events per minute of the recording (first copy of each event id).
    const seen = new Set<string>();
    const perMinute = new Map<number, number>();
    for (const line of readFileSync(rec, 'utf8').split('\n')) {
      if (!line) continue;
      const e = JSON.parse(line) as { event_id: string; event_time: number };
      if (seen.has(e.event_id)) continue;
      seen.add(e.event_id);
      const m = Math.floor(e.event_time / MINUTE) * MINUTE;
      perMinute.set(m, (perMinute.get(m) ?? 0) + 1);
    }
    assert.deepEqual([...docs.keys()].sort(), [...perMinute.keys()].sort(), 'minutes');
    for (const [m, n] of perMinute) assert.equal(docs.get(m)!.events, n, `events of minute ${m}`);
    assert.ok(perMinute.size >= 30, 'the recording spans many minutes');

    // The dashboard's /kpis?minutes_back=10 from the store: the minutes ending within 10 of the newest.
    const archive = await mongoKpiArchive(withDb(url, db), DEFAULT_MONEY);
    const dash = await startDashboard({ port: 0, feed: new ManualFeed(), kpiArchive: archive });
    try {
      const res = await fetch(new URL('/kpis?minutes_back=10', dash.url));
      assert.equal(res.status, 200);
      const body = (await res.json()) as {
        windows: { window_start: number; events: number; revenue: number }[];
      };
      const newestEnd = Math.max(...finals.map((r) => r.window_end));
      const want = finals
        .filter((r) => r.window_end > newestEnd - 10 * MINUTE)
        .sort((a, b) => a.window_start - b.window_start);
      assert.deepEqual(
        body.windows.map((w) => [w.window_start, w.events, w.revenue]),
        // /kpis gives revenue in the reporting currency (docs/currency.md), from the window's split.
        want.map((r) => [
          r.window_start,
          r.fields.events,
          totalIn(r.fields.revenue_by_currency as Record<string, number>, DEFAULT_MONEY).total,
        ]),
      );
    } finally {
      await dash.close();
      await archive.close();
    }
  },
);

test('retention: a TTL index where the server has them, else rtap deletes expired minutes itself', async () => {
  const db = `ret_${randomBytes(4).toString('hex')}`;
  const logs: string[] = [];
  const sink = await createMongoSink({
    url: withDb(url, db),
    retentionMs: 1000,
    purgeIntervalMs: 1,
    flushIntervalMs: 0,
    log: (m) => logs.push(m),
  });
  const T0 = 1_700_000_040_000 - (1_700_000_040_000 % MINUTE);
  const minute = (m: number) => ({
    kind: 'result' as const,
    result: kpis(T0 + m * MINUTE, [10 + m, 2, 1, 1], 50 + m),
  });
  await sink.write([0, 1, 2, 3, 4].map(minute));
  await sink.flush();
  await sleep(1500);
  await sink.write([5, 6, 7].map(minute));
  await sink.flush();
  const stats = sink.stats();
  await sink.close();
  const c = new MongoClient(url);
  await c.connect();
  try {
    const indexes = await c.db(db).collection('kpis_1min').indexes();
    if (kind === 'ferretdb') {
      // FerretDB 1.24 answers createIndex with expireAfterSeconds: NotImplemented.
      assert.ok(
        logs.some((m) => /has no TTL index .*NotImplemented|not implemented/i.test(m)),
        logs.join('\n'),
      );
      assert.equal(stats.purged, 5);
      const left = await readMinutes(url, db);
      assert.deepEqual(
        [...left.keys()].sort(),
        [5, 6, 7].map((m) => T0 + m * MINUTE),
      );
    } else {
      const ttl = indexes.find((i) => i.name === 'rtap_retention');
      assert.equal(ttl?.expireAfterSeconds, 1);
      assert.deepEqual(ttl?.key, { stored_at: 1 });
    }
  } finally {
    await c.close();
  }
});

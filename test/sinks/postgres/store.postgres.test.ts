/**
 * The PostgreSQL sink end to end, through the CLI, against a real server (the `postgres` test service or a
 * private cluster when run alone): a recorded EventFlow run is processed with `--sink postgres`, rtap is
 * killed with SIGKILL in the middle and run again over the same recording. The tables must then hold
 * every final eventflow result of the JSONL sink once with its value, agree with a recomputation from
 * the recording here in the test, and `rtap report` must print the same from the JSONL file, the tables
 * and the Parquet files the same run wrote.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ViewResult } from '../../../src/events/results.js';
import { runCli, startCli } from '../../helpers/cli.js';
import { startPostgres, type PostgresServer } from '../../services/postgres.js';
import { countRows, expectedTables, readTables, type Tables } from './readback.js';

let url: string;
let own: PostgresServer | null = null;
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtap-pg-test-'));
  if (process.env.RTAP_PG_URL) url = process.env.RTAP_PG_URL;
  else url = (own = await startPostgres()).url;
});
after(async () => {
  await own?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const WINDOW = 300_000;

interface RecEvent {
  event_id: string;
  event_type: string;
  user_id: string;
  event_time: number;
  order_id?: string;
  price?: number;
  quantity?: number;
  currency?: string;
}

/** 002's three queries recomputed from the recorded events (first copy of each event id). */
function fromRecording(path: string) {
  const seen = new Set<string>();
  const orders = new Map<string, { user: string; revenue: number; currency: string }>();
  const revenue = new Map<string, { total: number; count: number }>();
  const funnel = new Map<string, { views: number; orders: number }>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as RecEvent;
    if (seen.has(e.event_id)) continue;
    seen.add(e.event_id);
    const w = Math.floor(e.event_time / WINDOW) * WINDOW;
    if (e.event_type === 'order') {
      const r = e.price! * e.quantity!;
      orders.set(e.order_id!, { user: e.user_id, revenue: r, currency: e.currency! });
      const k = `${w}|${e.currency}`;
      const c = revenue.get(k) ?? { total: 0, count: 0 };
      c.total += r;
      c.count++;
      revenue.set(k, c);
    }
    if (e.event_type === 'order' || e.event_type === 'product_view') {
      const k = `${w}|${e.user_id}`;
      const f = funnel.get(k) ?? { views: 0, orders: 0 };
      if (e.event_type === 'order') f.orders++;
      else f.views++;
      funnel.set(k, f);
    }
  }
  return { orders, revenue, funnel };
}

async function oldestEmission(url: string, schema: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(
      `SELECT least((SELECT min(emitted_at) FROM "${schema}".orders_raw), (SELECT min(emitted_at) FROM "${schema}".revenue_by_currency_5min), (SELECT min(emitted_at) FROM "${schema}".conversion_funnel_5min)) AS t`,
    );
    return (r.rows[0].t as Date).getTime();
  } finally {
    await c.end();
  }
}

function readJsonl(path: string): ViewResult[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { kind: string } & ViewResult)
    .filter((r) => r.kind === 'result');
}

function assertSameTables(got: Tables, want: Tables): void {
  for (const table of Object.keys(want) as (keyof Tables)[]) {
    assert.equal(got[table].size, want[table].size, `${table}: rows`);
    for (const [k, row] of want[table]) assert.deepEqual(got[table].get(k), row, `${table} ${k}`);
  }
}

test(
  'kill -9 mid-run and a rerun: every eventflow result once with its final value, equal to the JSONL sink and to the recording; rtap report identical from JSONL, PostgreSQL and Parquet',
  { timeout: 240_000 },
  async () => {
    const rec = join(dir, 'events.jsonl');
    const sim = await runCli([
      'simulate',
      '--mix',
      'eventflow',
      '--events',
      '60000',
      '--rate',
      '20/s',
      '--duplicate-share',
      '0.02',
      '--seed',
      '11',
      '--out',
      rec,
    ]);
    assert.equal(sim.code, 0, sim.stderr);
    const schema = `kill9_${randomBytes(4).toString('hex')}`;
    const args = [
      'process',
      '--input',
      rec,
      '--views',
      'eventflow',
      '--patterns',
      'none',
      '--sink',
      'postgres',
      '--pg-url',
      url,
      '--pg-schema',
      schema,
    ];

    // First run: killed with SIGKILL as soon as rows have reached the tables.
    const first = startCli(args);
    let exited = false;
    void first.exited.then(() => (exited = true));
    let atKill = 0;
    const deadline = Date.now() + 60_000;
    while (atKill === 0 && Date.now() < deadline && !exited) {
      await sleep(50);
      atKill = await countRows(url, schema);
    }
    assert.ok(!exited, `the first run ended before it could be killed:\n${first.stderr()}`);
    assert.ok(atKill > 0, 'rows reached the tables before the kill');
    first.child.kill('SIGKILL');
    await first.exited;
    const afterKill = await countRows(url, schema);

    // Second run over the same recording, also writing the JSONL sink's file.
    const results = join(dir, 'results.jsonl');
    const secondStart = Date.now();
    const cold = join(dir, 'cold');
    const second = await runCli([...args, '--output', results, '--parquet-dir', cold], {
      timeoutMs: 180_000,
    });
    assert.equal(second.code, 0, second.stderr);
    // The warnings a refused row or a failed write print, and the summary's count of rows given up.
    assert.doesNotMatch(second.stderr, /rejected|refused the write|write to .* failed/, 'no row was refused');
    assert.match(second.stderr, /sink postgres: written [\d,]+ · retried \d+ · buffered 0 · failed 0/);
    // Upserts, not inserts that skip existing keys: the rows the first run wrote carry the rerun's emission time.
    assert.ok(
      (await oldestEmission(url, schema)) >= secondStart - 1000,
      'every row was (re)written by the second run',
    );
    const jsonl = readJsonl(results);
    const want = expectedTables(jsonl);
    const got = await readTables(url, schema);
    const total =
      want.orders_raw.size + want.revenue_by_currency_5min.size + want.conversion_funnel_5min.size;
    assert.ok(afterKill < total, `killed mid-run: ${afterKill} of ${total} rows were in`);
    assertSameTables(got, want);

    // Independently of the engine: the recording's orders and views, counted here.
    const ref = fromRecording(rec);
    assert.deepEqual([...got.orders_raw.keys()].sort(), [...ref.orders.keys()].sort(), 'order ids');
    for (const [id, o] of ref.orders) {
      const row = got.orders_raw.get(id)!;
      assert.equal(row.user_id, o.user);
      assert.equal(row.currency, o.currency);
      assert.equal(row.revenue, o.revenue);
    }
    assert.deepEqual(
      [...got.revenue_by_currency_5min.keys()].sort(),
      [...ref.revenue.keys()].sort(),
      'revenue windows × currencies',
    );
    for (const [k, c] of ref.revenue) {
      const row = got.revenue_by_currency_5min.get(k)!;
      assert.equal(row.order_count, c.count, k);
      // Summation order differs from the engine's: equal up to rounding.
      assert.ok(Math.abs((row.total_revenue as number) - c.total) <= 1e-9 * c.total, k);
    }
    assert.deepEqual(
      [...got.conversion_funnel_5min.keys()].sort(),
      [...ref.funnel.keys()].sort(),
      'funnel windows × users',
    );
    for (const [k, f] of ref.funnel) {
      const row = got.conversion_funnel_5min.get(k)!;
      assert.deepEqual([row.view_count, row.order_count], [f.views, f.orders], k);
    }
    assert.ok(ref.revenue.size >= 20 && ref.orders.size > 5000, 'the recording spans several windows');

    // rtap report: the same text and the same JSON from the JSONL file and from the tables.
    for (const json of [[], ['--json']]) {
      const a = await runCli([...json, 'report', '--input', results, '--top', '5']);
      const b = await runCli([...json, 'report', '--from', url, '--pg-schema', schema, '--top', '5']);
      const c = await runCli([...json, 'report', '--from', cold, '--top', '5']);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      assert.equal(c.code, 0, c.stderr);
      assert.equal(b.stdout, a.stdout, `rtap ${json.join(' ')} report: PostgreSQL vs JSONL`);
      assert.equal(c.stdout, a.stdout, `rtap ${json.join(' ')} report: Parquet vs JSONL`);
    }
  },
);

test('rtap report --from postgres: a schema without the tables is a clear error', async () => {
  const r = await runCli(['report', '--from', url, '--pg-schema', 'no_such_schema']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /query over .* \(schema no_such_schema\) failed: 42P01 relation .* does not exist/);
  assert.match(r.stderr, /--sink postgres/);
});

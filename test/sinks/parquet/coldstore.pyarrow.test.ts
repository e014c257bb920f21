/**
 * The Parquet cold store through the CLI, read back with pyarrow: a recorded run is processed with
 * --parquet-dir, killed with SIGKILL in the middle (which must leave no file a reader lists) and run
 * again; the files must then hold every final result of the JSONL sink once, and every accepted event
 * of the recording once, each in the year=/month=/day=/hour= partition of its time.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ViewResult } from '../../../src/events/results.js';
import { runCli, startCli } from '../../helpers/cli.js';
import { readWithPyarrow } from './pyarrow-read.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtap-parquet-test-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function files(root: string): string[] {
  try {
    return readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

const hourOf = (ms: number) => {
  const d = new Date(ms);
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours()];
};

test(
  'kill -9 mid-file leaves nothing a reader sees; the rerun stores every final result and accepted event once, partitioned by hour',
  { timeout: 240_000 },
  async () => {
    const rec = join(dir, 'events.jsonl');
    // 100 minutes of website and EventFlow traffic over two hours, with duplicates the engine drops.
    const sim = await runCli([
      'simulate',
      '--events',
      '60000',
      '--rate',
      '10/s',
      '--duplicate-share',
      '0.02',
      '--seed',
      '23',
      '--out',
      rec,
    ]);
    assert.equal(sim.code, 0, sim.stderr);
    const store = join(dir, 'cold');
    const args = ['process', '--input', rec, '--patterns', 'none', '--parquet-dir', store];

    const first = startCli(args);
    let exited = false;
    void first.exited.then(() => (exited = true));
    const deadline = Date.now() + 60_000;
    while (!files(store).some((f) => f.includes('.tmp-')) && Date.now() < deadline && !exited)
      await sleep(50);
    await sleep(500); // into the run: row groups written to the temporary files
    assert.ok(!exited, `the first run ended before it could be killed:\n${first.stderr()}`);
    first.child.kill('SIGKILL');
    await first.exited;
    const left = files(store);
    assert.ok(
      left.some((f) => f.includes('.tmp-')),
      `a half-written file is left: ${left.join(', ')}`,
    );
    assert.ok(!left.some((f) => f.endsWith('.parquet')), 'no complete-looking file was left');
    assert.equal(
      readWithPyarrow(join(store, 'results')).length,
      0,
      'a reader sees nothing of the killed run',
    );

    const results = join(dir, 'results.jsonl');
    const second = await runCli([...args, '--output', results], { timeoutMs: 180_000 });
    assert.equal(second.code, 0, second.stderr);
    assert.ok(
      !files(store).some((f) => f.includes('.tmp-')),
      'the rerun removed the dead run’s temporary files',
    );

    // Results: exactly the JSONL sink's finals, once each, fields equal.
    const finals = readFileSync(results, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ViewResult & { kind: string })
      .filter((r) => r.kind === 'result' && r.emit === 'final');
    const rows = readWithPyarrow(join(store, 'results'));
    assert.equal(rows.length, finals.length, 'one row per final result');
    const byId = new Map(rows.map((r) => [r.result_id as string, r]));
    assert.equal(byId.size, rows.length, 'no result stored twice');
    for (const r of finals) {
      const id = `${r.view}|${r.key}|${r.window_start}|${r.window_end}`;
      const row = byId.get(id);
      assert.ok(row, id);
      assert.equal(row.window_start, r.window_start);
      assert.equal(row.event_count, r.event_count);
      assert.deepEqual(JSON.parse(row.fields as string), r.fields, id);
      assert.deepEqual([row.year, row.month, row.day, row.hour], hourOf(r.window_start), `${id}: partition`);
    }
    assert.ok(new Set(rows.map((r) => r.hour)).size >= 2, 'several hour partitions');

    // Events: every event of the recording the engine accepted (first copy of each id), once.
    const ids = new Map<string, number>();
    for (const line of readFileSync(rec, 'utf8').split('\n')) {
      if (!line) continue;
      const e = JSON.parse(line) as { event_id: string; event_time: number };
      if (!ids.has(e.event_id)) ids.set(e.event_id, e.event_time);
    }
    const events = readWithPyarrow(join(store, 'events'));
    assert.equal(events.length, ids.size, 'one row per accepted event');
    for (const e of events) {
      const t = ids.get(e.event_id as string);
      assert.equal(e.event_time, t, `${e.event_id}`);
      assert.deepEqual([e.year, e.month, e.day, e.hour], hourOf(t!), `${e.event_id}: partition`);
      assert.equal((JSON.parse(e.event as string) as { event_id: string }).event_id, e.event_id);
    }

    // rtap report reads the store and prints what it prints from the JSONL file.
    for (const json of [[], ['--json']]) {
      const a = await runCli([...json, 'report', '--input', results]);
      const b = await runCli([...json, 'report', '--from', store]);
      assert.equal(b.code, 0, b.stderr);
      assert.equal(b.stdout, a.stdout, `rtap ${json.join(' ')} report`);
    }
  },
);

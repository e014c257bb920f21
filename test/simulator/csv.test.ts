import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { readRecording } from '../../src/simulator/recording.js';
import { CsvReader, csvHeader } from '../../src/simulator/csv.js';

const dir = mkdtempSync(join(tmpdir(), 'rtap-csv-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const collect = async (path: string) => {
  const out = [];
  for await (const e of readRecording(path)) out.push(e);
  return out;
};

test('simulate --out x.csv.gz records the same events as --out x.jsonl', async () => {
  const flags = ['--seed', '11', '--events', '2000', '--late-share', '0.02', '--duplicate-share', '0.01'];
  for (const out of ['a.jsonl', 'a.csv.gz', 'a.csv']) {
    const r = await runCli(['simulate', ...flags, '--out', join(dir, out)]);
    assert.equal(r.code, 0, r.stderr);
  }
  const jsonl = await collect(join(dir, 'a.jsonl'));
  assert.equal(jsonl.length, 2000);
  // Every event type of the website mix, custom properties and null fields included, comes back equal.
  assert.deepEqual(await collect(join(dir, 'a.csv.gz')), jsonl);
  assert.deepEqual(await collect(join(dir, 'a.csv')), jsonl);
  assert.equal(readFileSync(join(dir, 'a.csv'), 'utf8').split('\n')[0], csvHeader());
});

test('process --input a CSV recording gives the results of the JSONL one', async () => {
  const outs: string[] = [];
  for (const input of ['a.jsonl', 'a.csv.gz']) {
    const out = join(dir, `${input}.results.jsonl`);
    const r = await runCli(['process', '--input', join(dir, input), '--output', out]);
    assert.equal(r.code, 0, r.stderr);
    outs.push(out);
  }
  // Line numbers differ by the header row: dead letters name their line; everything else is equal.
  const norm = (path: string) =>
    readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .map((o): Record<string, unknown> => {
        if (o.kind === 'dead_letter')
          return { ...o, source: null, reason: String(o.reason).replace(/@\d+$/, '') };
        // Wall-clock fields (emission time, the kpis view's processing latency) differ between any two runs.
        const fields = { ...((o.fields ?? {}) as Record<string, unknown>) };
        for (const k of Object.keys(fields)) if (k.startsWith('latency_')) delete fields[k];
        return { ...o, emitted_at: null, detected_at: null, fields };
      });
  const [a, b] = outs.map(norm);
  assert.ok(a.length > 100);
  assert.ok(a.some((o) => o.kind === 'dead_letter'));
  assert.equal(b.length, a.length);
  // Line by line, so a difference shows as one line, not two thousand.
  for (let i = 0; i < a.length; i++) assert.deepEqual(b[i], a[i], `output line ${i + 1}`);
});

test('a replay of the CSV recording sends as many records to each topic as the JSONL replay', async () => {
  const sent: string[][] = [];
  for (const input of ['a.jsonl', 'a.csv.gz']) {
    const r = await runCli([
      'simulate',
      '--replay',
      join(dir, input),
      '--speed',
      'max',
      '--encoding',
      'json',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { records: number; by_topic: Record<string, number> };
    assert.equal(report.records, 2000);
    sent.push([JSON.stringify(report.by_topic)]);
  }
  assert.deepEqual(sent[0], sent[1]);
});

test('a malformed row: file:line:column in a replay, a dead letter with that reason in file mode', async () => {
  const rows = readFileSync(join(dir, 'a.csv'), 'utf8').split('\n');
  const cols = rows[0].split(',');
  const cells = rows[3].split(',');
  cells[cols.indexOf('event_time')] = 'yesterday';
  rows[3] = cells.join(',');
  const bad = join(dir, 'bad.csv.gz');
  writeFileSync(bad, gzipSync(rows.join('\n')));
  const column = rows[3].indexOf('yesterday') + 1;

  const replay = await runCli(['simulate', '--replay', bad, '--speed', 'max']);
  assert.equal(replay.code, 2);
  assert.ok(
    replay.stderr.includes(`${bad}:4:${column}: event_time: expected a number, got "yesterday"`),
    replay.stderr,
  );

  const out = join(dir, 'bad.results.jsonl');
  const file = await runCli(['process', '--input', bad, '--output', out]);
  assert.equal(file.code, 0, file.stderr);
  const dls = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((o) => o.kind === 'dead_letter' && o.dead_letter === 'malformed');
  assert.equal(dls.length, 1);
  assert.equal(dls[0].source, `${bad}:4`);
  assert.equal(dls[0].reason_code, 'invalid_field:event_time');
  assert.match(
    String(dls[0].reason),
    new RegExp(`bad\\.csv\\.gz:4:${column}: event_time: expected a number`),
  );
});

test('CSV cells: quoting, empty strings against nulls, header errors', () => {
  const r = new CsvReader(csvHeader(), 'f.csv:1');
  const base = 'e1,custom,u1,,5,6,regular,US,desktop';
  const cols = csvHeader().split(',');
  const row = (over: Record<string, string>) =>
    cols.map((c, i) => (c in over ? over[c] : i < 9 ? base.split(',')[i] : '')).join(',');
  const e = r.parse(
    row({ name: '"a ""b"", c"', properties: '"{""k"":""v,w""}"' }),
    'f.csv:2',
  ) as unknown as Record<string, unknown>;
  assert.equal(e.name, 'a "b", c');
  assert.deepEqual(e.properties, { k: 'v,w' });
  assert.equal(e.session_id, null);
  assert.throws(() => r.parse(row({ name: '"open' }), 'f.csv:3'), /f\.csv:3:\d+: unterminated quoted cell/);
  assert.throws(() => new CsvReader('event_id,colour', 'g.csv:1'), /g\.csv:1:10: unknown column 'colour'/);
  assert.throws(
    () => new CsvReader('event_id,event_type', 'g.csv:1'),
    /g\.csv:1: the header has no 'user_id' column/,
  );
});

test('a CSV recording refuses malformed records up front', async () => {
  const r = await runCli([
    'simulate',
    '--events',
    '10',
    '--malformed-share',
    '0.1',
    '--out',
    join(dir, 'm.csv'),
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /a CSV recording holds events only/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { runCli } from '../helpers/cli.js';
import { readNumberedLines, type InputCut } from '../../src/files/lines.js';

const dir = mkdtempSync(join(tmpdir(), 'rtap-lines-'));
const full = join(dir, 'full.jsonl');
const cut = join(dir, 'cut.jsonl.gz');

/** The reference: the lines a truncated gzip stream holds completely, decoded by zlib alone. */
function completeLinesOf(gz: Buffer): string[] {
  const text = gunzipSync(gz, { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8');
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter(Boolean);
}

test('setup: a recording, gzipped and cut in the middle of a line', async () => {
  const r = await runCli(['simulate', '--seed', '11', '--events', '3000', '--out', full]);
  assert.equal(r.code, 0, r.stderr);
  const gz = gzipSync(readFileSync(full));
  writeFileSync(cut, gz.subarray(0, Math.floor(gz.length / 3)));
});

test('process --input of a cut .gz processes every complete record before the cut and says where it stopped', async () => {
  const expected = completeLinesOf(readFileSync(cut));
  assert.ok(expected.length > 100 && expected.length < 3000, `${expected.length} complete lines`);
  const out = join(dir, 'results.jsonl');
  const r = await runCli(['process', '--input', cut, '--output', out, '--json']);
  assert.equal(r.code, 1, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.consumed, expected.length, 'every complete line was processed');
  assert.deepEqual(summary.input.cut.line, expected.length);
  const warning = r.stderr.split('\n').find((l) => l.includes('warning'));
  assert.ok(warning?.includes(`${cut} ends early after line ${expected.length}`), r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at |unexpected error/);
  // The results of the records before the cut were written.
  const results = readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(results.length, summary.results + summary.alerts);
  assert.ok(summary.results > 0);
});

test('simulate --replay of a cut .gz sends every complete record and says where it stopped', async () => {
  const expected = completeLinesOf(readFileSync(cut));
  const r = await runCli(['--json', 'simulate', '--replay', cut, '--speed', 'max']);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(JSON.parse(r.stdout).records, expected.length);
  assert.match(r.stderr, new RegExp(`ends early after line ${expected.length}`));
});

test('a file named .gz that is not gzip data: exit 2 and a line naming the file', async () => {
  const fake = join(dir, 'plain.jsonl.gz');
  writeFileSync(fake, readFileSync(full));
  const r = await runCli(['process', '--input', fake, '--output', join(dir, 'x.jsonl')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`rtap: error: ${fake.replace(/[.]/g, '\\.')}: not gzip data`));
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('readNumberedLines: line numbers count blank lines, CRLF is one break, the last line needs no newline', async () => {
  const p = join(dir, 'crlf.txt');
  writeFileSync(p, 'a\r\n\r\nb\n  \nc');
  const got = [];
  for await (const l of readNumberedLines(p)) got.push(l);
  assert.deepEqual(got, [
    { line: 1, text: 'a' },
    { line: 3, text: 'b' },
    { line: 5, text: 'c' },
  ]);
});

test('readNumberedLines: a cut .gz drops the incomplete last line and reports the last complete one', async () => {
  const p = join(dir, 'small.txt.gz');
  const gz = gzipSync(Buffer.from('first line\nsecond line\nthird line that the cut leaves incomplete\n'));
  // Cut 12 bytes before the end: the 8-byte trailer and the end of the deflate data are missing.
  writeFileSync(p, gz.subarray(0, gz.length - 12));
  const expected = completeLinesOf(readFileSync(p));
  const cuts: InputCut[] = [];
  const got: string[] = [];
  for await (const l of readNumberedLines(p, { onCut: (c) => cuts.push(c) })) got.push(l.text);
  assert.deepEqual(got, expected);
  assert.equal(cuts.length, 1);
  assert.equal(cuts[0].line, expected.length);
  // Without onCut, the same cut is an error naming the file and line.
  await assert.rejects(
    (async () => {
      for await (const _ of readNumberedLines(p));
    })(),
    new RegExp(`small\\.txt\\.gz ends early after line ${expected.length}`),
  );
  mkdirSync(join(dir, 'd.gz'));
  await assert.rejects(
    (async () => {
      for await (const _ of readNumberedLines(join(dir, 'd.gz')));
    })(),
    /is a directory/,
  );
});

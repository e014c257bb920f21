import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'rtap-paths-'));
const recording = join(dir, 'a.jsonl');
const missingDir = join(dir, 'no', 'such', 'dir');

/** A usage error: exit 2, one `rtap: error:` line naming `flag` and `path`, no stack trace. */
function assertUsage(r: CliResult, flag: string, path: string, problem: RegExp) {
  assert.equal(r.code, 2, r.stderr);
  const line = r.stderr.split('\n').find((l) => l.startsWith('rtap: error:')) ?? '';
  assert.ok(line.includes(`${flag} ${path}`), `names ${flag} and the path: ${r.stderr}`);
  assert.match(line, problem);
  assert.doesNotMatch(r.stderr, /\n\s+at |Unhandled|node:internal/, 'no stack trace');
}

test('setup: a small recording', async () => {
  const r = await runCli(['simulate', '--seed', '3', '--events', '500', '--out', recording]);
  assert.equal(r.code, 0, r.stderr);
});

test('process --output into a missing directory, or a directory as --output: exit 2 before any work', async () => {
  const out = join(missingDir, 'x.jsonl');
  assertUsage(
    await runCli(['process', '--input', recording, '--output', out]),
    '--output',
    out,
    /directory .* does not exist/,
  );
  assertUsage(
    await runCli(['process', '--input', recording, '--output', dir]),
    '--output',
    dir,
    /is a directory/,
  );
});

test('bench --html / --hdr-log / --json into a missing directory fail at once, not after the run', async () => {
  for (const flag of ['--html', '--hdr-log', '--json']) {
    const out = join(missingDir, `r${flag}`);
    // A 10-minute bench: only a check before the run makes it end within the timeout.
    const r = await runCli(['bench', '--duration', '10m', flag, out], { timeoutMs: 60_000 });
    assertUsage(r, flag, out, /does not exist/);
  }
});

test('an output path from the environment is named by its variable', async () => {
  const out = join(missingDir, 'h.log');
  const r = await runCli(['bench', '--duration', '10m'], { env: { RTAP_HDR_LOG: out } });
  assertUsage(r, 'environment variable RTAP_HDR_LOG', out, /does not exist/);
});

test('simulate --out and --json into a missing directory, or a directory: exit 2, nothing written', async () => {
  const out = join(missingDir, 'e.jsonl');
  assertUsage(await runCli(['simulate', '--events', '10', '--out', out]), '--out', out, /does not exist/);
  assertUsage(await runCli(['simulate', '--events', '10', '--out', dir]), '--out', dir, /is a directory/);
  const ok = join(dir, 'ok.jsonl');
  const json = join(missingDir, 's.json');
  assertUsage(
    await runCli(['simulate', '--events', '10', '--out', ok, '--json', json]),
    '--json',
    json,
    /does not exist/,
  );
  assert.equal(existsSync(ok), false, 'the check comes before any output is created');
});

test('a missing --input, or a directory as --input: exit 2 in process and in report alike', async () => {
  const missing = join(dir, 'missing.jsonl');
  for (const cmd of ['process', 'report']) {
    assertUsage(await runCli([cmd, '--input', missing]), '--input', missing, /no such file/);
    assertUsage(await runCli([cmd, '--input', dir]), '--input', dir, /is a directory/);
  }
});

test('input files of other flags are checked too (--baseline, --replay, --topology)', async () => {
  const missing = join(dir, 'missing.json');
  assertUsage(await runCli(['bench', '--baseline', missing]), '--baseline', missing, /no such file/);
  assertUsage(await runCli(['simulate', '--replay', missing]), '--replay', missing, /no such file/);
  assertUsage(
    await runCli(['provision', '--dry-run', '--topology', missing]),
    '--topology',
    missing,
    /no such file/,
  );
});

test('an existing output file is overwritten as before', async () => {
  const out = join(dir, 'results.jsonl');
  writeFileSync(out, 'old\n');
  const r = await runCli(['process', '--input', recording, '--output', out, '--patterns', 'none']);
  assert.equal(r.code, 0, r.stderr);
});

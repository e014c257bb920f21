import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'rtap-simulate-modes-'));

test('flags of the other mode are refused, each named: generator flags with --replay, replay flags without it', async () => {
  const recording = join(dir, 'r.jsonl');
  const made = await runCli(['simulate', '--seed', '4', '--events', '20', '--out', recording]);
  assert.equal(made.code, 0, made.stderr);
  for (const [args, message] of [
    [['--replay', recording, '--seed', '5'], /--seed cannot be combined with --replay/],
    [['--replay', recording, '--rate', '5/s', '--duration', '3s'], /--rate, --duration cannot be combined/],
    [['--speed', '2', '--events', '5', '--out', join(dir, 'x.jsonl')], /--speed applies only with --replay/],
    [['--event-time', 'keep', '--events', '5'], /--event-time applies only with --replay/],
  ] as const) {
    const r = await runCli(['simulate', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  // What a replay does read still works.
  const r = await runCli(['--json', 'simulate', '--replay', recording, '--speed', 'max', '--events', '10']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { records: number }).records, 10);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

/**
 * A bad pattern file is refused the same way by `rtap patterns check` and by `rtap process --patterns`:
 * exit code 2 and one located message (never "unexpected error", exit 1).
 */
const dir = mkdtempSync(join(tmpdir(), 'rtap-cep-cli-'));
const input = join(dir, 'events.jsonl');
writeFileSync(input, '');

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function both(patterns: string) {
  const [check, process] = await Promise.all([
    runCli(['patterns', 'check', patterns]),
    runCli(['process', '--input', input, '--output', join(dir, 'out.jsonl'), '--patterns', patterns]),
  ]);
  return { check, process };
}

test('type errors, deep nesting and empty pattern sets: exit code 2 and the same message in both commands', async () => {
  const emptyDir = join(dir, 'empty');
  mkdirSync(emptyDir);
  const cases: [string, RegExp][] = [
    [
      file('types.cep', `NAME t\nPATTERN (login A)\nWHERE A.user_type > 5\nWITHIN 1 MINUTE\n`),
      /types\.cep:3:19: > compares numbers with numbers or strings with strings, but A\.user_type is a string/,
    ],
    [
      file(
        'deep.cep',
        `PATTERN (login A) WHERE ${'('.repeat(2500)}A.user_id = 'x'${')'.repeat(2500)} WITHIN 1 MINUTE`,
      ),
      /deep\.cep:1:\d+: expression nested too deeply/,
    ],
    [
      file('comments.cep', '-- nothing here yet\n\n# still nothing\n'),
      /no patterns found in .*comments\.cep: the file has no definitions/,
    ],
    [emptyDir, /no patterns found in .*empty: the directory has no \.cep files/],
  ];
  for (const [path, re] of cases) {
    const { check, process } = await both(path);
    for (const [name, r] of [
      ['patterns check', check],
      ['process --patterns', process],
    ] as const) {
      assert.equal(r.code, 2, `${name} ${path}: ${r.stderr}`);
      assert.match(r.stderr, re, `${name} ${path}`);
      assert.doesNotMatch(r.stderr, /unexpected error|ok: 0 pattern/, `${name} ${path}`);
    }
    assert.equal(firstLine(check.stderr), firstLine(process.stderr), path);
  }
});

const firstLine = (s: string) => s.split('\n').find((l) => l.startsWith('rtap: error:'));

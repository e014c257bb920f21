import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { patternsCheckCommand } from '../../src/commands/patterns/wiring.js';
import type { CommandContext } from '../../src/commands/define.js';
import { CepSyntaxError } from '../../src/cep/index.js';
import { RtapError } from '../../src/errors.js';

function ctx(args: string[], json = false) {
  let out = '';
  const logs: string[] = [];
  const c = {
    json,
    args,
    stdout: { write: (s: string) => ((out += s), true) },
    log: (m: string) => logs.push(m),
  } as unknown as CommandContext;
  return { c, out: () => out, logs };
}

test('patterns check explains a valid file and reports what it found', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cep-'));
  const file = join(dir, 'a.cep');
  writeFileSync(
    file,
    `NAME buy PATTERN (add_to_cart A) => (purchase B) WITHIN 5 MINUTES\nRULE r ON realtime WHERE events > 10`,
  );
  const x = ctx([file]);
  assert.equal(await patternsCheckCommand(x.c), 0);
  assert.match(x.out(), /pattern buy .*\n.*within 5m/);
  assert.match(x.out(), /on purchase → s2 B — strict: only if it is the very next event of the key/);
  assert.match(x.out(), /rule r .*\n.*reads view 'realtime'/);
  assert.deepEqual(x.logs, [`ok: 1 pattern(s) and 1 rule(s) in ${file}`]);
  const j = ctx([dir], true);
  await patternsCheckCommand(j.c);
  assert.deepEqual(
    (JSON.parse(j.out()) as { name: string }[]).map((d) => d.name),
    ['buy', 'r'],
  );
});

test('patterns check rejects a bad file with a located syntax error (exit code 2)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cep-'));
  const file = join(dir, 'bad.cep');
  writeFileSync(file, `PATTERN (add_to_cart A) -> (purchase B)\nWHERE B.revenue >> 3 WITHIN 5 MINUTES`);
  await assert.rejects(
    patternsCheckCommand(ctx([file]).c),
    (e: unknown) => e instanceof CepSyntaxError && e.line === 2 && e.column === 18 && e.exitCode === 2,
  );
});

test('every path given must hold a definition; an empty file beside real ones in a directory is fine', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cep-'));
  writeFileSync(join(dir, 'a.cep'), `NAME a PATTERN (login A) WITHIN 1 MINUTE`);
  writeFileSync(join(dir, 'notes.cep'), `-- ideas for later\n`);
  const x = ctx([dir]);
  assert.equal(await patternsCheckCommand(x.c), 0);
  assert.deepEqual(x.logs, [`ok: 1 pattern(s) and 0 rule(s) in ${dir}`]);
  await assert.rejects(
    patternsCheckCommand(ctx([dir, join(dir, 'notes.cep')]).c),
    (e: unknown) =>
      e instanceof RtapError && e.exitCode === 2 && /no patterns found in .*notes\.cep/.test(e.message),
  );
});

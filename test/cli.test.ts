import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './helpers/cli.js';
import { COMMANDS } from '../src/commands/index.js';
import type { CommandDefinition } from '../src/commands/define.js';
import type { Setting } from '../src/config/settings.js';
import { formatValue } from '../src/config/values.js';

function allSettings(defs: CommandDefinition[]): Setting[] {
  return defs.flatMap((d) => [
    ...(Object.values(d.settings) as Setting[]),
    ...allSettings(d.subcommands ?? []),
  ]);
}

test('every default --help shows parses back to the default itself', () => {
  let checked = 0;
  for (const s of allSettings(COMMANDS)) {
    if (typeof s.default !== 'number') continue;
    const shown = s.display ? s.display(s.default) : formatValue(s.default, s.parse);
    assert.deepEqual(s.parse(shown, s.flags), s.default, `${s.flags}: shown as '${shown}'`);
    checked++;
  }
  assert.ok(checked > 20, `${checked} numeric defaults`);
});

test('--help prints defaults as users write them: 30s, 30m, 200/s, an ISO time', async () => {
  const bench = (await runCli(['bench', '--help'])).stdout.replace(/\s+/g, ' ');
  assert.match(bench, /--duration <duration> how long to send, e\.g\. 30s, 10m \(default: 30s;/);
  assert.match(bench, /--session-timeout <duration> .*?\(default: 30m;/);
  assert.match(bench, /--rate <rate> .*?\(default: 200\/s;/);
  assert.doesNotMatch(bench, /default: (30000|1800000|200000)\b/);
  const simulate = (await runCli(['simulate', '--help'])).stdout.replace(/\s+/g, ' ');
  assert.match(simulate, /--start-time <time> .*?\(default: 2024-01-01T00:00:00Z;/);
});

test('help and README point only to documents in the repository, and agree on what no --brokers means', async () => {
  const { readFileSync, existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const root = join(import.meta.dirname, '..');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const bench = (await runCli(['bench', '--help'])).stdout;
  for (const [what, text] of [
    ['README.md', readme],
    ['bench --help', bench],
  ]) {
    for (const doc of text.match(/\b[\w/-]+\.md\b/g) ?? [])
      assert.ok(
        existsSync(join(root, doc)) || existsSync(join(root, 'docs', doc)),
        `${what} points to ${doc}`,
      );
  }
  assert.match(readme, /npx rtap/);
  const provision = (await runCli(['provision', '--help'])).stdout.replace(/\s+/g, ' ');
  assert.match(provision, /Without --brokers it uses the local stack/);
  assert.doesNotMatch(provision, /embedded/, 'provision never runs on the embedded log');
});

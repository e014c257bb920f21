import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { DEFAULT_TOPOLOGY } from '../../src/provision/index.js';

// The reference topology under names no test creates: a broker without the pipeline's topics.
function unprovisionedTopology(): { file: string; events: string } {
  const prefix = `absent-${randomUUID().slice(0, 8)}-`;
  const topology = JSON.parse(readFileSync(DEFAULT_TOPOLOGY, 'utf8')) as { topics: { name: string }[] };
  for (const t of topology.topics) t.name = prefix + t.name;
  const file = join(mkdtempSync(join(tmpdir(), 'rtap-absent-')), 'topology.json');
  writeFileSync(file, JSON.stringify(topology));
  return { file, events: `${prefix}website-analytics-events` };
}

for (const [command, extra] of [
  ['bench', ['--rate', '100/s', '--duration', '2s']],
  ['process', ['--sink', 'topics']],
] as const) {
  test(`rtap ${command} on a broker without the pipeline's topics names them and says how to create them`, async () => {
    const { file, events } = unprovisionedTopology();
    const r = await runCli([
      command,
      '--brokers',
      process.env.RTAP_KAFKA_BROKERS!,
      '--topology',
      file,
      ...extra,
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `rtap: error: input topics ${events}, .* do not exist on kafka ${process.env.RTAP_KAFKA_BROKERS!}`,
      ),
    );
    assert.match(r.stderr, /rtap provision --brokers/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
}

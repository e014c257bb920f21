import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, resolveSettings } from '../../src/config/resolve.js';
import { setting } from '../../src/config/settings.js';
import * as v from '../../src/config/values.js';

const rate = setting({ key: 'rate', flags: '--rate <rate>', description: '', parse: v.rate, default: 200 });
const seed = setting({ key: 'seed', flags: '--seed <n>', description: '', parse: v.seed, default: 42 });
const dur = setting({
  key: 'duration',
  flags: '--duration <d>',
  description: '',
  parse: v.duration,
  default: 30_000,
});
const thr = setting({
  key: 'threshold',
  flags: '--threshold <t>',
  description: '',
  parse: (r: string) => [r],
  repeatable: true,
  default: [] as string[],
});

function configFile(content: string) {
  const dir = mkdtempSync(join(tmpdir(), 'rtap-cfg-'));
  const p = join(dir, 'rtap.json');
  writeFileSync(p, content);
  return p;
}

test('precedence is defaults < config file < RTAP_* env < flags, with sources', () => {
  const cfg = loadConfigFile(
    configFile(JSON.stringify({ rate: '100/s', seed: 7, bench: { duration: '1m' } })),
  );
  const r = resolveSettings([rate, seed, dur], { rate: '300/s' }, { RTAP_SEED: '9' }, cfg, ['bench']);
  assert.equal(r.values.rate, 300);
  assert.equal(r.sources.rate.source, 'flag');
  assert.equal(r.values.seed, 9);
  assert.equal(r.sources.seed.source, 'env');
  assert.equal(r.sources.seed.from, 'RTAP_SEED');
  assert.equal(r.values.duration, 60_000);
  assert.equal(r.sources.duration.source, 'config');
  const d = resolveSettings([rate], {}, {}, null, ['bench']);
  assert.equal(d.values.rate, 200);
  assert.equal(d.sources.rate.source, 'default');
});

test('a bad value from the environment names the variable', () => {
  assert.throws(
    () => resolveSettings([rate], {}, { RTAP_RATE: 'fast' }, null, ['bench']),
    /environment variable RTAP_RATE 'fast'/,
  );
});

test('repeatable settings collect flags and config arrays', () => {
  const cfg = loadConfigFile(
    configFile(JSON.stringify({ bench: { threshold: ['ingest.p95<500ms', 'errors<1%'] } })),
  );
  assert.deepEqual(resolveSettings([thr], {}, {}, cfg, ['bench']).values.threshold, [
    'ingest.p95<500ms',
    'errors<1%',
  ]);
  assert.deepEqual(resolveSettings([thr], { threshold: ['a<1ms'] }, {}, cfg, ['bench']).values.threshold, [
    'a<1ms',
  ]);
});

test('config syntax errors give file, line and column; unknown keys in a command section are named', () => {
  const bad = configFile('{\n  "rate": "200/s",\n  "seed": 4x\n}');
  assert.throws(
    () => loadConfigFile(bad),
    (e: Error) => e.message.startsWith(`config file ${bad}:3:`),
  );
  const unknown = loadConfigFile(configFile(JSON.stringify({ bench: { rte: '1/s' } })));
  assert.throws(
    () => resolveSettings([rate], {}, {}, unknown, ['bench']),
    /unknown setting 'rte' at \/bench/,
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { presetNames } from '../../src/presets/index.js';
import type { BenchReport } from '../../src/reporting/report.js';

const dir = mkdtempSync(join(tmpdir(), 'rtap-presets-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

type Effective = { settings: Record<string, { value: unknown; source: string }> };
const effective = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const r = await runCli([...args, '--print-config', '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as Effective).settings;
};

test('a preset is the lowest layer: --config, RTAP_* and flags override it', async () => {
  const base = await effective(['bench', '--preset', 'kpis']);
  assert.equal(base.rate.value, 2100);
  assert.match(base.rate.source, /^preset: .*fixtures\/presets\/kpis\.json#\/rate$/);
  assert.equal(base.duration.value, 60_000); // the preset's bench section
  assert.match(base.duration.source, /kpis\.json#\/bench\/duration$/);
  assert.match(String(base.topology.value), /fixtures\/topology\/kpis\.json$/);
  assert.deepEqual(base.views.value, ['kpis', 'sessions']);
  assert.equal(base.outOfOrderness.value, 600_000);

  const config = join(dir, 'c.json');
  writeFileSync(config, JSON.stringify({ rate: '50/s', bench: { views: ['kpis'] } }));
  const over = await effective(['bench', '--preset', 'kpis', '--config', config, '--duration', '5s'], {
    RTAP_OUT_OF_ORDERNESS: '3s',
  });
  assert.equal(over.rate.value, 50);
  assert.match(over.rate.source, /^config: /);
  assert.deepEqual(over.views.value, ['kpis']);
  assert.equal(over.duration.value, 5000);
  assert.equal(over.duration.source, 'flag: --duration');
  assert.equal(over.outOfOrderness.value, 3000);
  assert.equal(over.outOfOrderness.source, 'env: RTAP_OUT_OF_ORDERNESS');
  // Untouched ones still come from the preset.
  assert.match(over.mix.source, /^preset: /);
});

test('RTAP_PRESET picks a preset; simulate and provision take it too', async () => {
  const sim = await effective(['simulate'], { RTAP_PRESET: 'eventflow' });
  assert.equal(sim.mix.value, 'eventflow');
  assert.equal(sim.rate.value, 10);
  const prov = await effective(['provision', '--preset', 'kpis']);
  assert.match(String(prov.topology.value), /topology\/kpis\.json$/);
});

test('a bad value in a preset names the file and the field; a bad preset name exits 2', async () => {
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify({ description: 'x', references: ['a'], settings: { rate: 'fast' } }));
  const r = await runCli(['bench', '--preset', file, '--duration', '1s']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /invalid preset .*bad\.json#\/rate 'fast'/);
  const u = await runCli(['run', '--preset', 'web']);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /unknown preset 'web'/);
});

test("simulate --preset kpis sends every event type to 004's events_raw", async () => {
  const r = await runCli(['simulate', '--preset', 'kpis', '--rate', '500/s', '--events', '300', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { by_topic: Record<string, number> };
  assert.deepEqual(report.by_topic, { events_raw: 300 });
});

// Each reference pipeline end to end on the embedded log, short: the figures are what a 4 s run on a
// shared machine gives, so the test checks the report compares them, not that they pass.
for (const name of presetNames()) {
  test(`bench --preset ${name} runs on the embedded log and reports the document's targets`, async () => {
    const json = join(dir, `${name}.json`);
    const r = await runCli(
      ['bench', '--preset', name, '--duration', '4s', '--warmup', '0s', '--threads', '1', '--json', json],
      { timeoutMs: 180_000 },
    );
    // 0: every measured target met; 99: one missed (the threshold convention). Not 98: the load held.
    assert.ok(r.code === 0 || r.code === 99, `exit ${r.code}\n${r.stderr}`);
    const report = JSON.parse((await import('node:fs')).readFileSync(json, 'utf8')) as BenchReport;
    const p = report.preset!;
    assert.equal(p.name, name);
    assert.ok(report.pipeline.consumed > 0);
    const preset = JSON.parse(
      (await import('node:fs')).readFileSync(join('fixtures', 'presets', `${name}.json`), 'utf8'),
    ) as { targets: { check: string | null; line: number }[] };
    assert.deepEqual(
      p.targets.map((t) => [t.check, t.line]),
      preset.targets.map((t) => [t.check, t.line]),
    );
    for (const t of p.targets) {
      if (t.check === null) assert.equal(t.status, 'not_measured');
      if (t.status !== 'not_measured') assert.equal(typeof t.measured, 'number');
    }
    assert.equal(
      r.code === 99,
      p.targets.some((t) => t.status === 'fail'),
    );
    // The human report (stdout) shows the same table.
    assert.match(r.stdout, new RegExp(`preset ${name} \\(`));
    for (const t of p.targets) assert.ok(r.stdout.includes(`${t.document.slice(0, 3)}:${t.line}`), t.quote);
  });
}

test('the preset sinks that need a server are skipped without their address, and said so', async () => {
  const r = await runCli(
    ['bench', '--preset', 'eventflow', '--duration', '2s', '--warmup', '0s', '--threads', '1', '--json'],
    { env: { DATABASE_URL: '' }, timeoutMs: 120_000 },
  );
  assert.ok(r.code === 0 || r.code === 99, r.stderr);
  assert.match(r.stderr, /preset eventflow: sink postgres skipped \(no --pg-url or DATABASE_URL given\)/);
  const report = JSON.parse(r.stdout) as BenchReport;
  assert.deepEqual(report.preset!.sinks.skipped, [
    { sink: 'postgres', why: 'no --pg-url or DATABASE_URL given' },
  ]);
  const write = report.preset!.targets.find((t) => t.check?.startsWith('sink_write'))!;
  assert.equal(write.status, 'not_measured');
});

test('run --preset checks the targets too', async () => {
  const r = await runCli(
    ['run', '--preset', 'products', '--duration', '3s', '--dashboard', 'off', '--threads', '1', '--json'],
    { timeoutMs: 120_000 },
  );
  assert.ok(r.code === 0 || r.code === 99, r.stderr);
  const report = JSON.parse(r.stdout) as BenchReport;
  assert.equal(report.preset!.name, 'products');
  assert.equal(r.code === 99, !report.preset!.passed);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'rtap-bench-'));

test('a threshold that cannot hold exits 99 and names the miss; thresholds that hold exit 0', async () => {
  const failing = await runCli([
    'bench',
    '--duration',
    '4s',
    '--patterns',
    'none',
    '--threshold',
    'throughput>=1000000/s',
  ]);
  assert.equal(failing.code, 99, failing.stderr);
  assert.match(failing.stderr, /throughput>=1000000\/s failed: measured [\d.]+\/s/);
  const passing = await runCli([
    'bench',
    '--duration',
    '4s',
    '--patterns',
    'none',
    '--threshold',
    'throughput>=100/s',
    '--threshold',
    'errors<=0%',
    '--threshold',
    'ingest.max<60s',
  ]);
  assert.equal(passing.code, 0, passing.stderr);
  assert.match(passing.stdout, /✓ throughput>=100\/s/);
});

test('an injected 2 s processing stall shows in ingest P99 and max: coordinated omission cannot hide it', async () => {
  const file = join(dir, 'stall.json');
  const r = await runCli([
    'bench',
    '--duration',
    '8s',
    '--rate',
    '200/s',
    '--patterns',
    'none',
    '--inject-stall',
    '2s',
    '--json',
    file,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(readFileSync(file, 'utf8'));
  // ~400 of 1600 events arrive during the stall; measured from their intended send time they wait up to 2 s.
  assert.ok(report.latency.ingest.max >= 1900, `max ${report.latency.ingest.max}`);
  assert.ok(report.latency.ingest.p99 >= 1000, `p99 ${report.latency.ingest.p99}`);
  assert.equal(report.load.schedule_held, true, 'the producer is not the one stalling');
  assert.equal(report.pipeline.consumed, report.load.produced);
});

test('the JSON report carries run metadata, every latency with its histogram, and the intervals', async () => {
  const file = join(dir, 'report.json');
  const r = await runCli(['bench', '--duration', '3s', '--json', file, '--hdr-log', join(dir, 'run.hlog')]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(report.rtap_report, 1);
  assert.equal(report.meta.transport, 'embedded in-process log');
  assert.equal(report.meta.config.duration.value, 3000);
  for (const name of ['publish', 'ack', 'ingest', 'e2e']) {
    assert.ok(report.latency[name].count > 0, name);
    assert.match(report.latency[name].histogram, /^HISTF/);
  }
  assert.ok(report.intervals.length >= 2);
  const log = readFileSync(join(dir, 'run.hlog'), 'utf8');
  assert.match(log, /^#\[Histogram log format version 1\.3\]/m);
  assert.match(log, /^Tag=ingest,/m);
});

test('--early-interval off: the live views emit final results only (the default also emits early ones)', async () => {
  const report = async (extra: string[]) => {
    const file = join(dir, `early-${extra.length}.json`);
    const r = await runCli(['bench', '--duration', '3s', '--warmup', '0', '--json', file, ...extra]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(readFileSync(file, 'utf8')).pipeline as { results: number; final_results: number };
  };
  const off = await report(['--early-interval', 'off']);
  assert.ok(off.final_results > 0);
  assert.equal(off.results, off.final_results);
  const dflt = await report([]);
  assert.ok(dflt.results > dflt.final_results, JSON.stringify(dflt));
});

test("options of the other mode are refused, not ignored: --slo and --max-rate without --find-max, a single run's options with it", async () => {
  const cases: [string[], RegExp][] = [
    [['--slo', 'ingest.p99<500ms'], /--slo applies only with --find-max/],
    [['--slo', 'ingest.p99<1s', '--max-rate', '5k/s'], /--slo, --max-rate apply only with --find-max/],
    [
      ['--find-max', '--threshold', 'ingest.p99<500ms'],
      /--threshold cannot be combined with --find-max[^]*--slo/,
    ],
    [['--find-max', '--html', 'r.html', '--check'], /--check, --html cannot be combined with --find-max/],
    [['--max-regression', '5%'], /--max-regression needs --baseline/],
    [['--find-max', '--slo', 'ingest.p99<abc'], /invalid --slo 'ingest.p99<abc'/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['bench', '--duration', '1s', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
});

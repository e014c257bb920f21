import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { testTarget, type Target } from '../sinks/influx/readback.js';
import { runCli, startCli } from '../helpers/cli.js';

/**
 * `rtap process` reports every sink's counters (written, retried, buffered, failed) in its summary and on
 * the dashboard's /metrics, here for a real InfluxDB-protocol server next to a JSONL file. The reference
 * is the JSONL file itself: every final result and alert in it is one point the influx sink had to write.
 */
let target: Target;
let stopTarget = async () => {};
before(async () => {
  ({ target, stop: stopTarget } = await testTarget());
});
after(() => stopTarget());

interface Prom {
  name: string;
  labels: Record<string, string>;
  value: number;
}
function parseProm(text: string): Prom[] {
  const out: Prom[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

test('process --json and /metrics carry each sink: written, retried, buffered, failed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtap-sink-counters-'));
  const recording = join(dir, 'events.jsonl');
  const results = join(dir, 'results.jsonl');
  const summaryFile = join(dir, 'summary.json');
  const sim = await runCli(['simulate', '--seed', '913', '--events', '3000', '--out', recording]);
  assert.equal(sim.code, 0, sim.stderr);

  const p = startCli([
    'process',
    '--input',
    recording,
    '--output',
    results,
    '--sink',
    'influx',
    '--influx-url',
    target.url,
    ...(target.token ? ['--influx-token', target.token] : []),
    '--influx-org',
    target.org,
    '--influx-bucket',
    target.bucket,
    '--json',
    summaryFile,
    '--dashboard',
    '0',
  ]);
  let metrics: Prom[];
  try {
    const deadline = Date.now() + 90_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline && p.child.exitCode === null) {
      url = /dashboard at (http:\/\/\S+\/) stays up until Ctrl-C/.exec(p.stderr())?.[1];
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(url, `no "stays up" line:\n${p.stderr()}`);
    metrics = parseProm(await (await fetch(new URL('metrics', url))).text());
  } finally {
    p.child.kill('SIGINT');
  }
  assert.equal(await p.exited, 130, p.stderr());

  // The reference, from the JSONL sink's file: results (file mode emits finals only) and alerts.
  const lines = readFileSync(results, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const finals = lines.filter((l) => l.kind === 'result' && l.emit === 'final').length;
  const alerts = lines.filter((l) => l.kind === 'alert').length;
  assert.equal(finals + alerts, lines.filter((l) => l.kind === 'result' || l.kind === 'alert').length);
  assert.ok(finals > 0 && alerts > 0, `finals ${finals}, alerts ${alerts}`);

  const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
  const influx = summary.sinks.influx;
  const jsonl = summary.sinks[`jsonl:${results}`];
  assert.ok(influx && jsonl, JSON.stringify(summary.sinks));
  assert.deepEqual(
    [influx.written, influx.retried, influx.buffered, influx.failed],
    [finals + alerts, 0, 0, 0],
    JSON.stringify(influx),
  );
  assert.ok(influx.requests > 0, 'the sink’s own counters come along');
  assert.equal(jsonl.written, finals + alerts);

  // /metrics: the same numbers, one sample per sink, labelled by the sink's name.
  const one = (name: string, sink: string) => {
    const found = metrics.filter((m) => m.name === name && m.labels.sink === sink);
    assert.equal(found.length, 1, `${name}{sink="${sink}"}`);
    return found[0].value;
  };
  for (const sink of ['influx', `jsonl:${results}`]) {
    const s = summary.sinks[sink];
    assert.equal(one('rtap_sink_written_total', sink), s.written, sink);
    assert.equal(one('rtap_sink_retried_total', sink), s.retried, sink);
    assert.equal(one('rtap_sink_failed_total', sink), s.failed, sink);
    assert.equal(one('rtap_sink_buffered', sink), s.buffered, sink);
  }
});

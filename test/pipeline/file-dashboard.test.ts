import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCli } from '../helpers/cli.js';

test('process --input --dashboard serves the file run on the dashboard, until Ctrl-C', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtap-file-dash-'));
  const recording = join(dir, 'a.jsonl');
  const r = await runCli(['simulate', '--seed', '5', '--events', '2000', '--out', recording]);
  assert.equal(r.code, 0, r.stderr);
  // The reference: the recording itself, one event per line (no faults injected).
  const lines = readFileSync(recording, 'utf8').trim().split('\n');
  const pageViews = lines.filter((l) => JSON.parse(l).event_type === 'page_view').length;

  const p = startCli(['process', '--input', recording, '--output', join(dir, 'r.jsonl'), '--dashboard', '0']);
  try {
    const deadline = Date.now() + 60_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline && p.child.exitCode === null) {
      url = /dashboard at (http:\/\/\S+\/) stays up until Ctrl-C/.exec(p.stderr())?.[1];
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(url, `no "stays up" line:\n${p.stderr()}`);
    const health = (await (await fetch(new URL('health', url))).json()) as {
      pipeline: { consumed: number };
    };
    assert.equal(health.pipeline.consumed, lines.length);
    const kpis = (await (await fetch(new URL('kpis?minutes_back=10080', url))).json()) as {
      windows: { events: number; counts_by_type: Record<string, number> }[];
    };
    const sum = (f: (w: (typeof kpis.windows)[number]) => number) =>
      kpis.windows.reduce((a, w) => a + f(w), 0);
    assert.equal(
      sum((w) => w.events),
      lines.length,
    );
    assert.equal(
      sum((w) => w.counts_by_type.page_view ?? 0),
      pageViews,
    );
  } finally {
    p.child.kill('SIGINT');
  }
  assert.equal(await p.exited, 130, p.stderr());
  assert.match(p.stderr(), /2,000 records from/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

test('a short bench counts no alert that only the end of input raised; it reports them apart and says what the end phase does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtap-end-of-input-'));
  const out = join(dir, 'out.jsonl');
  const json = join(dir, 'report.json');
  const r = await runCli(['bench', '--duration', '4s', '--output', out, '--json', json]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(readFileSync(json, 'utf8'));
  const alerts = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((o) => o.kind === 'alert');
  // cart_abandonment waits 30 minutes without a purchase: in a 4 s run every one is an end-of-input
  // artefact (the flush fires the pending timeouts as if elapsed), and the CEP marks it so.
  const carts = alerts.filter((a) => a.pattern === 'cart_abandonment');
  assert.ok(carts.length > 0, 'the run left carts behind');
  assert.ok(carts.every((a) => a.at_end_of_input === true));
  const p = report.pipeline;
  assert.equal(p.alerts_at_end_of_input_by_pattern.cart_abandonment, carts.length);
  // Every alert is counted once: as a match of the load or as an end-of-input one.
  assert.equal(p.alerts + p.alerts_at_end_of_input, alerts.length);
  const flagged = alerts.filter((a) => a.at_end_of_input).length;
  assert.ok(p.alerts_at_end_of_input >= flagged);
  // The table names them apart, and what each stage includes.
  assert.match(r.stdout, /at end of input, not counted: .*cart_abandonment/);
  assert.match(r.stdout, /window_close: final result after the window end, including the watermark wait/);
  // The end phase is said in words.
  assert.match(r.stderr, /end of input: closing every open window and firing the pending pattern timeouts/);
  assert.match(r.stderr, /done .* after the load; the report follows/);
});

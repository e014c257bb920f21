import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'rtap-file-mode-'));
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
/** `rtap process` over a recording: one view, no CEP patterns. */
const processFile = (input: string, output: string, view: string, ...extra: string[]) =>
  runCli(['process', '--input', input, '--output', output, '--views', view, '--patterns', 'none', ...extra]);

test('simulate --seed records byte-identical files; another seed differs', async () => {
  const a = join(dir, 'a.jsonl');
  const b = join(dir, 'b.jsonl');
  const c = join(dir, 'c.jsonl');
  for (const [out, seed] of [
    [a, '42'],
    [b, '42'],
    [c, '43'],
  ]) {
    const r = await runCli(['simulate', '--seed', seed, '--events', '20000', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
  }
  assert.equal(sha(a), sha(b));
  assert.notEqual(sha(a), sha(c));
  assert.equal(readFileSync(a, 'utf8').trim().split('\n').length, 20000);
});

test('page views per 5 s window equal an independent computation over the same JSONL; malformed lines are dead-lettered with reasons', async () => {
  const events = join(dir, 'faulty.jsonl');
  const results = join(dir, 'results.jsonl');
  const summaryFile = join(dir, 'summary.json');
  let r = await runCli([
    'simulate',
    '--seed',
    '7',
    '--events',
    '30000',
    '--duplicate-share',
    '0.02',
    '--malformed-share',
    '0.01',
    '--out',
    events,
  ]);
  assert.equal(r.code, 0, r.stderr);
  r = await processFile(events, results, 'realtime', '--json', summaryFile);
  assert.equal(r.code, 0, r.stderr);

  // Reference: straight from the recording, without the engine. Distinct event ids (duplicates are
  // re-sends), page views bucketed by event time into 5 s windows.
  const expected = new Map<number, number>();
  const seen = new Set<string>();
  let malformed = 0;
  for (const line of readFileSync(events, 'utf8').trim().split('\n')) {
    const v = JSON.parse(line);
    if (v.rtap_malformed) {
      malformed++;
      continue;
    }
    if (seen.has(v.event_id)) continue;
    seen.add(v.event_id);
    if (v.event_type !== 'page_view') continue; // realtime reads the web-analytics family (docs/views.md)
    const start = Math.floor(v.event_time / 5000) * 5000;
    expected.set(start, (expected.get(start) ?? 0) + 1);
  }
  const got = new Map<number, number>();
  for (const line of readFileSync(results, 'utf8').trim().split('\n')) {
    const o = JSON.parse(line);
    if (o.kind === 'result' && o.view === 'realtime' && o.emit === 'final') {
      assert.ok(!got.has(o.window_start), `window ${o.window_start} emitted twice as final`);
      got.set(o.window_start, o.fields.page_views);
    }
  }
  for (const [start, n] of expected)
    assert.equal(got.get(start) ?? 0, n, `window starting ${new Date(start).toISOString()}`);
  for (const [start, n] of got) if (!expected.has(start)) assert.equal(n, 0, `unexpected window ${start}`);
  assert.ok(expected.size >= 25, `the stream spans many windows (${expected.size})`);

  const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
  assert.ok(malformed > 0);
  assert.equal(summary.dead_letters, malformed + summary.late);
  assert.equal(summary.late, 0, 'no lateness was injected');
  assert.ok(
    Object.keys(summary.dead_letter_reasons).length >= 3,
    JSON.stringify(summary.dead_letter_reasons),
  );
  assert.equal(summary.duplicates, 30000 - malformed - seen.size);
});

test('--distinct hll estimates the kpis sessions of every minute within its stated error of an exact count', async () => {
  const events = join(dir, 'sessions.jsonl');
  const results = join(dir, 'hll.jsonl');
  let r = await runCli(['simulate', '--seed', '11', '--events', '40000', '--out', events]);
  assert.equal(r.code, 0, r.stderr);
  r = await processFile(events, results, 'kpis', '--distinct', 'hll');
  assert.equal(r.code, 0, r.stderr);
  // Reference: distinct session ids per 1-minute window of event time, straight from the recording.
  const exact = new Map<number, Set<string>>();
  for (const line of readFileSync(events, 'utf8').trim().split('\n')) {
    const v = JSON.parse(line);
    if (v.session_id === null || v.session_id === undefined) continue;
    const start = Math.floor(v.event_time / 60_000) * 60_000;
    if (!exact.has(start)) exact.set(start, new Set());
    exact.get(start)!.add(v.session_id);
  }
  const lines = readFileSync(results, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const kpis = lines.filter((o) => o.view === 'kpis' && o.emit === 'final');
  assert.equal(kpis.length, exact.size);
  for (const o of kpis) {
    const want = exact.get(o.window_start)!.size;
    // HyperLogLog at precision 14: relative standard error 1.04 / sqrt(2^14) = 0.81 %; 4 of them.
    const err = Math.abs(o.fields.sessions - want) / want;
    assert.ok(err <= 4 * 0.0081, `window ${o.window_start}: ${o.fields.sessions} for ${want} (${err})`);
  }
  assert.ok(
    kpis.some((o) => o.fields.sessions !== exact.get(o.window_start)!.size),
    'the estimate is an estimate, not the exact count',
  );
});

test('bad flag values exit 2 with the expected form and no stack trace', async () => {
  for (const [args, msg] of [
    [['bench', '--rate', 'fast'], /invalid --rate 'fast': expected a positive rate like 200\/s/],
    [['bench', '--duration', '-3'], /invalid --duration '-3': expected a positive duration/],
    [['benhc'], /Did you mean bench\?/],
    [['process', '--distinct', 'approx'], /invalid --distinct 'approx': expected one of exact, hll/],
  ] as const) {
    const r = await runCli([...args]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, msg);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('CEP partial matches beyond --max-partial-matches are evicted, counted in the summary and warned about, never silently', async () => {
  const events = join(dir, 'cep-limit.jsonl');
  let r = await runCli(['simulate', '--seed', '5', '--events', '20000', '--out', events]);
  assert.equal(r.code, 0, r.stderr);
  const summaries: Record<string, number>[] = [];
  for (const extra of [[], ['--max-partial-matches', '50']]) {
    const summary = join(dir, `cep-limit-${extra.length}.json`);
    r = await runCli([
      'process',
      '--input',
      events,
      '--output',
      join(dir, 'cep-limit.out'),
      '--json',
      summary,
      ...extra,
    ]);
    assert.equal(r.code, 0, r.stderr);
    summaries.push(JSON.parse(readFileSync(summary, 'utf8')));
    assert.equal(
      /partial matches than its limit \(--max-partial-matches\)/.test(r.stderr),
      extra.length > 0,
      r.stderr,
    );
  }
  const [free, capped] = summaries;
  assert.equal(free.partial_matches_evicted, 0);
  assert.ok(capped.partial_matches_evicted > 0);
  assert.ok(capped.alerts < free.alerts, `alerts ${capped.alerts} capped vs ${free.alerts}`);
});

test('file mode refuses the flags of a Kafka consumer group instead of ignoring them, naming each', async () => {
  const input = join(dir, 'refuse.jsonl');
  const r0 = await runCli(['simulate', '--seed', '3', '--events', '10', '--out', input]);
  assert.equal(r0.code, 0, r0.stderr);
  for (const [flags, named] of [
    [['--scale-out'], '--scale-out applies'],
    [['--group', 'g', '--checkpoint-interval', '1s'], '--group, --checkpoint-interval apply'],
    [['--sasl-mechanism', 'plain'], '--sasl-mechanism applies'],
    [['--threads', '2'], '--threads applies'],
  ] as const) {
    const r = await runCli(['process', '--input', input, '--output', join(dir, 'refused.jsonl'), ...flags]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`${named} only with --brokers`));
  }
});

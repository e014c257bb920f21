import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

/**
 * File mode replays a recording in its own order (docs/views.md, "File mode"): one watermark over the
 * lines read so far (newest event time − out-of-orderness), an event late when it is older than that
 * minus the allowed lateness, equal timestamps taken in file order, far-future events refused; dead
 * letters in the output with their line. The expectations here are computed from those rules alone.
 */
const dir = mkdtempSync(join(tmpdir(), 'rtap-file-order-'));
const T0 = 1_704_067_200_000;
let n = 0;

function pageView(user: string, t: number): Record<string, unknown> {
  return {
    event_id: `pv-${++n}`,
    event_type: 'page_view',
    user_id: user,
    session_id: `s-${user}`,
    event_time: t,
    intended_send_time: t,
    user_type: 'regular',
    country: 'US',
    device: 'desktop',
    page_url: '/home',
    page_title: 'Home',
    content_category: 'home',
    referrer: null,
    page_depth: 1,
    time_on_previous_page_ms: 0,
  };
}

function purchase(user: string, t: number, country: string): Record<string, unknown> {
  return {
    event_id: `buy-${++n}`,
    event_type: 'conversion',
    user_id: user,
    session_id: `s-${user}`,
    event_time: t,
    intended_send_time: t,
    user_type: 'regular',
    country,
    device: 'desktop',
    conversion_type: 'purchase',
    product_id: 'p1',
    product_category: 'books',
    revenue: 10,
    currency: 'USD',
    order_id: `o-${n}`,
    card_id: `c-${n}`,
  };
}

async function processLines(name: string, events: Record<string, unknown>[], ...extra: string[]) {
  const input = join(dir, `${name}.jsonl`);
  const output = join(dir, `${name}.out.jsonl`);
  const summary = join(dir, `${name}.summary.json`);
  writeFileSync(input, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const r = await runCli(['process', '--input', input, '--output', output, '--json', summary, ...extra]);
  assert.equal(r.code, 0, r.stderr);
  const lines = readFileSync(output, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { input, lines, summary: JSON.parse(readFileSync(summary, 'utf8')) as Record<string, number> };
}

test('file mode: lateness follows the file order; an event exactly at the horizon is on time, 1 ms before it is late', async () => {
  // Out-of-orderness 2 s, lateness 1 s: after an event at T0+10 s the horizon is T0+7 s.
  const events = [
    pageView('u1', T0),
    pageView('u2', T0 + 10_000),
    pageView('u3', T0 + 7_000), // exactly at the horizon: accepted
    pageView('u4', T0 + 6_999), // 1 ms before it: late (line 4)
    pageView('u5', T0 + 9_000),
  ];
  const { input, lines, summary } = await processLines(
    'late',
    events,
    '--views',
    'realtime',
    '--patterns',
    'none',
  );
  const dead = lines.filter((l) => l.kind === 'dead_letter');
  assert.deepEqual(
    dead.map((d) => [d.dead_letter, d.reason_code, d.source, (d.event as { event_id: string }).event_id]),
    [['late', 'late', `${input}:4`, events[3].event_id]],
  );
  assert.equal(summary.late, 1);
  assert.equal(summary.accepted, 4);
  const pageViews = lines
    .filter((l) => l.kind === 'result' && l.view === 'realtime')
    .reduce((s, l) => s + ((l.fields as { page_views: number }).page_views ?? 0), 0);
  assert.equal(pageViews, 4, 'the late event is in no window');
});

test('file mode: in a small file an event far behind the newest is late (no partition or idle rule hides it)', async () => {
  const events = [pageView('u1', T0 + 30_000), pageView('u2', T0 + 31_000), pageView('u3', T0 + 15_000)];
  const { summary } = await processLines('small', events, '--views', 'realtime', '--patterns', 'none');
  assert.equal(summary.late, 1);
});

test('file mode: equal timestamps are matched in file order', async () => {
  // fraud_velocity: (purchase A) -> (purchase B), B from another country and > 3x A's revenue. Same time:
  // the line order decides which is A.
  const small = purchase('u9', T0 + 1000, 'US');
  const big = { ...purchase('u9', T0 + 1000, 'DE'), revenue: 100 };
  const pad = pageView('u0', T0 + 60_000);
  const bigFirst = await processLines('tie-a', [pageView('u0', T0), big, small, pad], '--views', 'realtime');
  const smallFirst = await processLines(
    'tie-b',
    [pageView('u0', T0), small, big, pad],
    '--views',
    'realtime',
  );
  const velocity = (lines: Record<string, unknown>[]) =>
    lines.filter((l) => l.kind === 'alert' && l.pattern === 'fraud_velocity');
  assert.equal(velocity(bigFirst.lines).length, 0, 'big then small: A=big, B=small is not 3x larger');
  assert.equal(velocity(smallFirst.lines).length, 1, 'small then big: A=small, B=big fires');
});

test('file mode: far-future timestamps are dead-lettered and do not make valid events late; the counts add up', async () => {
  const events: Record<string, unknown>[] = [];
  const future: number[] = [];
  for (let i = 0; i < 2000; i++) {
    events.push(pageView(`u${i % 50}`, T0 + i * 100));
    if (i % 40 === 7) {
      future.push(events.length + 1);
      events.push(pageView('u-future', Date.UTC(3000, 0, 1) + i));
    }
  }
  const { input, lines, summary } = await processLines(
    'future',
    events,
    '--views',
    'realtime',
    '--patterns',
    'none',
  );
  const dead = lines.filter((l) => l.kind === 'dead_letter');
  assert.equal(summary.late, 0, 'no valid event is late');
  assert.equal(summary.future, future.length);
  assert.deepEqual(
    dead.map((d) => d.source),
    future.map((line) => `${input}:${line}`),
  );
  assert.ok(dead.every((d) => d.reason_code === 'future_timestamp'));
  assert.equal(
    summary.consumed,
    summary.accepted + summary.duplicates + summary.late + summary.future + summary.malformed,
  );
  const windows = lines.filter((l) => l.kind === 'result' && l.view === 'realtime');
  assert.ok(
    windows.every((w) => (w.window_start as number) < Date.UTC(2100, 0, 1)),
    'no year-3000 window',
  );
});

test('file mode: malformed lines are dead letters with their line number and text; the run goes on', async () => {
  const input = join(dir, 'bad.jsonl');
  const output = join(dir, 'bad.out.jsonl');
  const good = [pageView('u1', T0), pageView('u2', T0 + 1000)].map((e) => JSON.stringify(e));
  writeFileSync(
    input,
    [good[0], '{"event_type": "page_view", "user_id": 5', '', 'not json', good[1]].join('\n'),
  );
  const r = await runCli(['process', '--input', input, '--output', output, '--patterns', 'none']);
  assert.equal(r.code, 0, r.stderr);
  const dead = readFileSync(output, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.kind === 'dead_letter');
  assert.deepEqual(
    dead.map((d) => [d.dead_letter, d.source, d.raw]),
    [
      ['malformed', `${input}:2`, '{"event_type": "page_view", "user_id": 5'],
      ['malformed', `${input}:4`, 'not json'],
    ],
  );
});

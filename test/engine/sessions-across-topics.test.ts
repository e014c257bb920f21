import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

/**
 * Sessions are a user's whole activity, whatever topic each event went to (website-analytics-events has 12
 * partitions, EventFlow's topics 3): recomputed here from docs/views.md over a seeded recording long enough
 * (about 2 h of event time, few users) for real 30-minute gaps to split sessions — with duplicates, which
 * count once. Reference: per user, the distinct non-session events in event-time order, a new session
 * whenever an event comes at or after the previous one + 30 min.
 */
const GAP = 30 * 60_000;
const dir = mkdtempSync(join(tmpdir(), 'rtap-sessions-'));

interface Ev {
  event_id: string;
  event_type: string;
  user_id: string;
  event_time: number;
  page_url?: string;
  product_id?: string;
  conversion_type?: string;
  action?: string;
  name?: string;
  revenue?: number;
}

function label(e: Ev): string {
  if (e.event_type === 'page_view') return e.page_url!;
  if (e.event_type === 'product_view') return `product:${e.product_id}`;
  if (e.event_type === 'conversion') return e.conversion_type!;
  if (e.event_type === 'custom') return `custom:${e.name}`;
  if (e.event_type === 'order') return 'order';
  return String(e.action).toLowerCase();
}

test('sessions follow a user across topics with different partition counts and split at real 30-minute gaps', async () => {
  const recording = join(dir, 'events.jsonl');
  const output = join(dir, 'results.jsonl');
  let r = await runCli([
    'simulate',
    ...['--seed', '5', '--events', '40000', '--rate', '5/s', '--users', '300'],
    ...['--duplicate-share', '0.02', '--out', recording],
  ]);
  assert.equal(r.code, 0, r.stderr);
  r = await runCli([
    'process',
    '--input',
    recording,
    '--output',
    output,
    '--views',
    'sessions',
    '--patterns',
    'none',
  ]);
  assert.equal(r.code, 0, r.stderr);

  const byUser = new Map<string, Ev[]>();
  const seen = new Set<string>();
  const topics = new Map<string, Set<string>>();
  for (const line of readFileSync(recording, 'utf8').trim().split('\n')) {
    const e = JSON.parse(line) as Ev;
    if (seen.has(e.event_id)) continue;
    seen.add(e.event_id);
    if (e.event_type === 'session') continue;
    const list = byUser.get(e.user_id) ?? [];
    list.push(e);
    byUser.set(e.user_id, list);
    const family = ['user_event', 'product_view', 'order'].includes(e.event_type) ? 'eventflow' : 'website';
    (topics.get(e.user_id) ?? topics.set(e.user_id, new Set()).get(e.user_id)!).add(family);
  }
  const expected = new Map<
    string,
    { events: number; last: number; pageDepth: number; journey: string[]; revenue: number }
  >();
  let gaps = 0;
  for (const [user, evs] of byUser) {
    evs.sort((a, b) => a.event_time - b.event_time || (a.event_id < b.event_id ? -1 : 1));
    let cur: Ev[] = [];
    const close = () => {
      if (!cur.length) return;
      expected.set(`${user}|${cur[0].event_time}`, {
        events: cur.length,
        last: cur[cur.length - 1].event_time,
        pageDepth: cur.filter((e) => e.event_type === 'page_view').length,
        journey: cur.slice(0, 20).map(label),
        revenue: cur
          .filter((e) => e.event_type === 'conversion' && e.conversion_type === 'purchase')
          .reduce((s, e) => s + (e.revenue ?? 0), 0),
      });
    };
    for (const e of evs) {
      if (cur.length && e.event_time >= cur[cur.length - 1].event_time + GAP) {
        close();
        gaps++;
        cur = [];
      }
      cur.push(e);
    }
    close();
  }
  const span =
    Math.max(...[...byUser.values()].flat().map((e) => e.event_time)) -
    Math.min(...[...byUser.values()].flat().map((e) => e.event_time));
  assert.ok(span > 4 * GAP, `the stream spans ${Math.round(span / 60_000)} min of event time`);
  assert.ok(gaps > 50, `${gaps} sessions split by a real 30-minute gap`);
  assert.ok(
    [...topics.values()].filter((t) => t.size === 2).length > 100,
    'users active on both families of topics',
  );

  const got = new Map<string, Record<string, unknown>>();
  for (const line of readFileSync(output, 'utf8').trim().split('\n')) {
    const o = JSON.parse(line);
    if (o.kind !== 'result' || o.view !== 'sessions') continue;
    const id = `${o.key}|${o.fields.first_event_time}`;
    assert.ok(!got.has(id), `session ${id} emitted twice`);
    got.set(id, o.fields);
  }
  const missing = [...expected.keys()].filter((k) => !got.has(k));
  const extra = [...got.keys()].filter((k) => !expected.has(k));
  assert.deepEqual(
    { missing: missing.slice(0, 5), extra: extra.slice(0, 5), n: missing.length + extra.length },
    { missing: [], extra: [], n: 0 },
  );
  for (const [id, want] of expected) {
    const f = got.get(id)!;
    assert.equal(f.events, want.events, `${id} events`);
    assert.equal(f.last_event_time, want.last, `${id} last event`);
    assert.equal(f.page_depth, want.pageDepth, `${id} page depth`);
    assert.deepEqual(f.journey, want.journey, `${id} journey`);
    assert.ok(Math.abs((f.revenue as number) - want.revenue) < 1e-6, `${id} revenue`);
  }
});

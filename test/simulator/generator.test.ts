import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { decodeEvent } from '../../src/events/codec.js';
import { InvalidEventError, validateEvent } from '../../src/events/validate.js';
import type { AnalyticsEvent } from '../../src/events/types.js';
import {
  createGenerator,
  defaultSimulatorConfig,
  MALFORMED_KINDS,
  type SimRecord,
  type SimulatorConfig,
} from '../../src/simulator/index.js';

const START = Date.UTC(2024, 0, 1);

function run(overrides: Partial<SimulatorConfig>, n: number, gapMs = 5): SimRecord[] {
  const g = createGenerator({ ...defaultSimulatorConfig(), ...overrides });
  const out: SimRecord[] = [];
  for (let i = 0; i < n; i++) out.push(g.next(START + i * gapMs));
  return out;
}

function digest(records: SimRecord[]): string {
  const h = createHash('sha256');
  for (const r of records) h.update(`${r.topic}\0${r.key}\0`).update(r.value);
  return h.digest('hex');
}

test('the same seed gives the same records, byte for byte; another seed gives different ones', () => {
  for (const profile of ['website', 'eventflow'] as const) {
    const knobs = { profile, lateShare: 0.05, duplicateShare: 0.02, malformedShare: 0.02 };
    const a = run({ seed: 7, ...knobs }, 5000);
    const b = run({ seed: 7, ...knobs }, 5000);
    const c = run({ seed: 8, ...knobs }, 5000);
    assert.equal(digest(a), digest(b), profile);
    assert.notEqual(digest(a), digest(c), profile);
    const firstIds = (rs: SimRecord[]) =>
      rs
        .filter((r) => r.event)
        .slice(0, 50)
        .map((r) => r.event!.event_id);
    assert.notDeepEqual(firstIds(a), firstIds(c));
  }
});

test('every valid record decodes to its event and passes validateEvent, in both encodings', () => {
  for (const encoding of ['avro', 'json'] as const) {
    for (const profile of ['website', 'eventflow'] as const) {
      for (const r of run({ profile, encoding, lateShare: 0.1, duplicateShare: 0.05 }, 4000)) {
        assert.ok(r.event);
        assert.deepEqual(
          validateEvent(JSON.parse(JSON.stringify(r.event))),
          JSON.parse(JSON.stringify(r.event)),
        );
        assert.deepEqual(decodeEvent(r.value), r.event);
        if (encoding === 'avro') assert.equal(r.value[0], 0, 'Confluent magic byte');
        else assert.equal(r.value.toString('utf8'), JSON.stringify(r.event));
      }
    }
  }
});

test('website produces all seven event types; eventflow only its three', () => {
  const types = (rs: SimRecord[]) => new Set(rs.map((r) => r.event!.event_type));
  assert.deepEqual([...types(run({}, 20000))].sort(), [
    'conversion',
    'custom',
    'order',
    'page_view',
    'product_view',
    'session',
    'user_event',
  ]);
  assert.deepEqual([...types(run({ profile: 'eventflow' }, 2000))].sort(), [
    'order',
    'product_view',
    'user_event',
  ]);
});

test('topics and keys: EventFlow topics for their types, user_id keys, session events keyed by session_id', () => {
  const topics = { events: 'ev', userEvents: 'ue', productView: 'pv', orders: 'or' };
  const expectedTopic: Record<string, string> = {
    page_view: 'ev',
    session: 'ev',
    conversion: 'ev',
    custom: 'ev',
    user_event: 'ue',
    product_view: 'pv',
    order: 'or',
  };
  for (const r of run({ topics }, 10000)) {
    const e = r.event!;
    assert.equal(r.topic, expectedTopic[e.event_type]);
    assert.equal(r.key, e.event_type === 'session' ? e.session_id : e.user_id);
  }
});

test('fault shares match their knobs and each record says what was done to it', () => {
  const n = 40000;
  const cfg = { lateShare: 0.1, lateDelayMs: 3000, duplicateShare: 0.05, malformedShare: 0.03 };
  const rs = run(cfg, n);
  const dup = rs.filter((r) => r.duplicate).length / n;
  const bad = rs.filter((r) => r.event === null).length / n;
  const valid = rs.filter((r) => r.event && !r.duplicate);
  const late = valid.filter((r) => r.late).length / valid.length;
  // Binomial standard errors are ~0.001-0.0015 here; 4 sigma tolerances.
  assert.ok(Math.abs(dup - 0.05) < 0.005, `duplicate share ${dup}`);
  assert.ok(Math.abs(bad - 0.03) < 0.004, `malformed share ${bad}`);
  assert.ok(Math.abs(late - 0.1) < 0.007, `late share ${late}`);
  for (const [i, r] of rs.entries()) {
    const intended = START + i * 5;
    if (r.duplicate) continue;
    if (!r.event) continue;
    assert.equal(r.event.intended_send_time, intended);
    if (r.late) {
      const d = intended - r.event.event_time;
      assert.ok(d >= 1 && d <= 3000, `late by ${d}`);
    } else {
      assert.equal(r.event.event_time, intended);
    }
  }
});

test('a duplicate re-sends a recent record: same bytes and event_id', () => {
  const rs = run({ duplicateShare: 0.1 }, 5000);
  const seen = new Map<string, Buffer>();
  let dups = 0;
  for (const r of rs) {
    if (!r.event) continue;
    if (r.duplicate) {
      dups++;
      assert.ok(seen.has(r.event.event_id), 'duplicate of an earlier record');
      assert.ok(seen.get(r.event.event_id)!.equals(r.value));
    } else {
      assert.ok(!seen.has(r.event.event_id), 'fresh events have fresh ids');
      seen.set(r.event.event_id, r.value);
    }
  }
  assert.ok(dups > 300);
});

test('every malformed record is rejected by decodeEvent for the recorded reason', () => {
  for (const encoding of ['avro', 'json'] as const) {
    const rs = run({ malformedShare: 0.3, encoding }, 6000).filter((r) => r.event === null);
    const kinds = new Set<string>();
    for (const r of rs) {
      assert.ok(r.malformedReason && r.malformedKind);
      kinds.add(r.malformedKind);
      assert.throws(
        () => decodeEvent(r.value),
        (err: unknown) => err instanceof InvalidEventError && err.message.includes(r.malformedReason!),
        `${r.malformedKind}: expected a rejection mentioning "${r.malformedReason}"`,
      );
    }
    assert.deepEqual([...kinds].sort(), [...MALFORMED_KINDS].sort(), 'every kind of corruption occurs');
  }
});

test('fault knobs do not change the users or the catalogue', () => {
  // Users and catalogue come from their own random stream, so the same seed has the same users with and
  // without faults (user ids map to the same home country).
  const home = (rs: SimRecord[]) => {
    const m = new Map<string, string>();
    for (const r of rs)
      if (r.event && r.event.event_type === 'page_view') m.set(r.event.user_id, r.event.country);
    return m;
  };
  const a = home(run({ seed: 3 }, 8000));
  const b = home(run({ seed: 3, malformedShare: 0.2, duplicateShare: 0.2 }, 8000));
  let common = 0;
  for (const [u, c] of a) {
    if (!b.has(u)) continue;
    common++;
    assert.equal(b.get(u), c, u);
  }
  assert.ok(common > 100);
});

test('bad knobs are rejected with the path of the offending value', () => {
  assert.throws(
    () => createGenerator({ ...defaultSimulatorConfig(), lateShare: 1.5 }),
    /simulator\.lateShare: expected a share in \[0, 1\], got 1\.5/,
  );
  assert.throws(() => createGenerator({ ...defaultSimulatorConfig(), users: 0 }), /simulator\.users/);
  assert.throws(
    () =>
      createGenerator({
        ...defaultSimulatorConfig(),
        bounceSpike: { everyMs: 1000, durationMs: 5000, share: 0.9 },
      }),
    /bounceSpike\.durationMs/,
  );
  assert.throws(
    () => createGenerator({ ...defaultSimulatorConfig(), duplicateShare: 0.6, malformedShare: 0.6 }),
    /at most 1/,
  );
  assert.throws(
    () => createGenerator({ ...defaultSimulatorConfig(), profile: 'shop' as never }),
    /simulator\.profile/,
  );
});

test('event times never go backwards for events that are not late', () => {
  const rs = run({ lateShare: 0.05 }, 5000);
  let last = 0;
  for (const r of rs) {
    const e = r.event as AnalyticsEvent;
    if (r.late) continue;
    assert.ok(e.event_time >= last);
    last = e.event_time;
  }
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Alert } from '../../src/events/results.js';
import { createEmbeddedTransport } from '../../src/transport/embedded/index.js';
import { TOPICS } from '../../src/transport/topics.js';
import { AlertFollower, parseAlertRecord, UnreadableAlertError } from '../../src/ui/follow-alerts.js';
import { alert, settle } from './helpers.js';

/** Writes alerts the way the topic sink does: JSON values keyed by the match key. */
/** The embedded log with the cep-alerts topic of the reference topology (3 partitions). */
const embedded = () =>
  createEmbeddedTransport({
    topics: [{ name: TOPICS.alerts, partitions: 3, replicationFactor: 1, config: {} }],
  });

async function publish(transport: ReturnType<typeof createEmbeddedTransport>, alerts: Alert[]) {
  await transport.producer().send(
    TOPICS.alerts,
    alerts.map((a) => ({ key: a.key, value: Buffer.from(JSON.stringify(a)) })),
  );
}

function collect(f: AlertFollower) {
  const got: Alert[] = [];
  const unreadable: string[] = [];
  let caughtUp = 0;
  f.on('alert', (a) => got.push(a));
  f.on('unreadable', (e) => unreadable.push(e.message));
  f.on('caughtUp', () => caughtUp++);
  return { got, unreadable, caughtUp: () => caughtUp };
}

async function until(cond: () => boolean, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await settle(10);
}

describe('AlertFollower (embedded log)', () => {
  it('--tail N: reads the backlog, emits only its newest N by detection time, then follows new alerts', async () => {
    const transport = embedded();
    const backlog = Array.from({ length: 20 }, (_, i) => ({
      ...alert('fraud_velocity', 'critical', `u-${i % 7}`),
      detected_at: 1_000 + ((i * 7) % 20),
    }));
    await publish(transport, backlog);
    const f = new AlertFollower({ transport, tail: 4, quietMs: 50 });
    const c = collect(f);
    const running = f.start();
    await until(() => c.caughtUp() === 1);
    const expected = [...backlog]
      .sort((a, b) => a.detected_at - b.detected_at)
      .slice(-4)
      .map((a) => a.detected_at);
    assert.deepEqual(
      c.got.map((a) => a.detected_at),
      expected,
    );
    const live = alert('traffic_spike', 'info', '');
    await publish(transport, [live]);
    await until(() => c.got.length === 5);
    assert.equal(c.got[4].alert_id, live.alert_id);
    await f.stop();
    await running;
  });

  it('--from-beginning emits the whole backlog; the default starts at the end', async () => {
    const transport = embedded();
    const backlog = Array.from({ length: 9 }, (_, i) => alert('high_bounce_rate', 'warning', `k${i}`));
    await publish(transport, backlog);
    const all = new AlertFollower({ transport, fromBeginning: true, quietMs: 50 });
    const latest = new AlertFollower({ transport, quietMs: 50 });
    const ca = collect(all);
    const cl = collect(latest);
    const runs = [all.start(), latest.start()];
    await until(() => ca.caughtUp() === 1 && cl.caughtUp() === 1);
    assert.deepEqual(new Set(ca.got.map((a) => a.alert_id)), new Set(backlog.map((a) => a.alert_id)));
    assert.equal(cl.got.length, 0);
    const fresh = alert('fraud_multi_card', 'critical', 'u-9');
    await publish(transport, [fresh]);
    await until(() => cl.got.length === 1 && ca.got.length === 10);
    assert.equal(cl.got[0].alert_id, fresh.alert_id);
    await Promise.all([all.stop(), latest.stop()]);
    await Promise.all(runs);
  });

  it('skips unreadable records, saying where and why, and keeps following', async () => {
    const transport = embedded();
    const producer = transport.producer();
    await producer.send(TOPICS.alerts, [
      { key: 'x', value: Buffer.from('not json'), partition: 0 },
      {
        key: 'x',
        value: Buffer.from(
          JSON.stringify({ pattern: 'p', key: 'k', message: 'm', severity: 'urgent', detected_at: 1 }),
        ),
        partition: 0,
      },
      { key: 'x', value: Buffer.from(JSON.stringify(alert('ok', 'info', 'k'))), partition: 0 },
    ]);
    const f = new AlertFollower({ transport, fromBeginning: true, quietMs: 50 });
    const c = collect(f);
    const running = f.start();
    await until(() => c.caughtUp() === 1);
    assert.deepEqual(c.unreadable, [
      'cep-alerts/0@0: not JSON',
      "cep-alerts/0@1: field 'severity' must be one of info, warning, critical",
    ]);
    assert.deepEqual(
      c.got.map((a) => a.pattern),
      ['ok'],
    );
    await f.stop();
    await running;
  });
});

describe('parseAlertRecord', () => {
  it('round-trips an alert written as JSON', () => {
    const a = alert('fraud_multi_country', 'critical', 'u-1');
    assert.deepEqual(
      parseAlertRecord({ topic: 't', partition: 1, offset: 5, value: Buffer.from(JSON.stringify(a)) }),
      a,
    );
  });
  it('names the field that is missing', () => {
    const { message, ...noMessage } = alert('p', 'info', 'k');
    void message;
    assert.throws(
      () =>
        parseAlertRecord({
          topic: 't',
          partition: 2,
          offset: 9,
          value: Buffer.from(JSON.stringify(noMessage)),
        }),
      (e: unknown) =>
        e instanceof UnreadableAlertError && e.message === "t/2@9: field 'message' missing or not a string",
    );
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDashboard, topicFeed } from '../../../src/dashboard/index.js';
import { TopicSink } from '../../../src/sinks/topic.js';
import { createEmbeddedTransport } from '../../../src/transport/embedded/index.js';
import { TOPICS } from '../../../src/transport/topics.js';
import type { ConsumedRecord } from '../../../src/transport/types.js';
import { alert, kpis, realtime } from '../synthetic.js';

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('the standalone feed reads results and alerts from the output topics and counts dead letters', async () => {
  const transport = createEmbeddedTransport({
    topics: [TOPICS.results, TOPICS.alerts, TOPICS.deadLetter].map((name) => ({
      name,
      partitions: 3,
      replicationFactor: 1,
      config: {},
    })),
  });
  const producer = transport.producer();
  const sink = new TopicSink(producer, {
    resultsTopic: TOPICS.results,
    alertsTopic: TOPICS.alerts,
    includeEarly: true,
  });
  const now = Date.now();
  const t0 = now - (now % 60_000) - 120_000;
  const a1 = alert('critical', 'card testing from <b>two</b> countries', now);
  // History already in the topics before the dashboard starts (read from the beginning).
  await sink.write([
    { kind: 'result', result: { ...kpis(t0, [100, 20, 10, 5], 250), last_intended_send_time: now - 400 } },
    { kind: 'result', result: { ...realtime(t0, 300, 80, 2, 10), last_intended_send_time: now - 300 } },
    { kind: 'alert', alert: a1 },
  ]);
  await producer.send(TOPICS.results, [{ key: 'x', value: Buffer.from('{"view": 42}') }]);
  await producer.send(TOPICS.deadLetter, [
    { key: 'a', value: Buffer.from('garbage') },
    { key: 'b', value: Buffer.from('more') },
  ]);

  const bad: { record: ConsumedRecord; reason: string }[] = [];
  const feed = topicFeed({
    transport,
    healthIntervalMs: 100,
    onBadRecord: (record, reason) => bad.push({ record, reason }),
  });
  const dash = await startDashboard({ port: 0, feed, batchIntervalMs: 100 });
  const get = async (p: string) => (await fetch(new URL(p, dash.url))).json();
  try {
    await until(async () => (await get('/alerts')).alerts.length === 1);
    const latest = await get('/kpis/latest');
    assert.equal(latest.window_start, t0);
    assert.deepEqual(latest.funnel, { product_views: 100, add_to_cart: 20, checkout: 10, purchase: 5 });
    assert.equal((await get('/alerts')).alerts[0].message, a1.message);

    // Results arriving while it runs.
    await sink.write([
      {
        kind: 'result',
        result: { ...kpis(t0 + 60_000, [50, 10, 5, 1], 40), last_intended_send_time: Date.now() - 200 },
      },
    ]);
    await until(async () => (await get('/kpis/latest')).window_start === t0 + 60_000);
    const f = await get('/funnel?minutes_back=5');
    assert.deepEqual(
      f.steps.map((s: { count: number }) => s.count),
      [150, 30, 15, 6],
    );

    await until(async () => {
      const p = (await get('/health')).pipeline;
      return p?.deadLetters === 2 && p.results === 3;
    });
    const h = (await get('/health')).pipeline;
    assert.equal(h.results, 3);
    assert.equal(h.alerts, 1);
    assert.equal(h.throughputPerSec, (300 * 2) / 5, 'events/s reported by the realtime result');
    assert.equal(bad.length, 1);
    assert.match(bad[0].reason, /missing string field view/);
    assert.equal(bad[0].record.topic, TOPICS.results);
  } finally {
    await dash.close();
    await feed.close();
    await transport.close();
  }
});

test('the standalone feed measures end-to-end latency to the dashboard from final results', async () => {
  const transport = createEmbeddedTransport({
    topics: [TOPICS.results, TOPICS.alerts].map((name) => ({
      name,
      partitions: 1,
      replicationFactor: 1,
      config: {},
    })),
  });
  const producer = transport.producer();
  const samples: number[] = [];
  const feed = topicFeed({ transport, deadLetterTopic: null, healthIntervalMs: 50 });
  const unsubscribe = feed.subscribe({
    result: () => undefined,
    alert: () => undefined,
    health: (h) => {
      if (h.latency.e2e) samples.push(h.latency.e2e.p50);
    },
  });
  try {
    // A result whose last event was intended to be sent 1.5 s ago: the latency is at least that.
    const sentAt = Date.now();
    await producer.send(TOPICS.results, [
      {
        key: 'k',
        value: Buffer.from(
          JSON.stringify({ ...realtime(0, 10, 1, 0, 0), last_intended_send_time: sentAt - 1500 }),
        ),
      },
    ]);
    await until(() => samples.length > 0);
    const upper = Date.now() - (sentAt - 1500);
    assert.ok(
      samples[0] >= 1500 * 0.999 && samples[0] <= upper * 1.001,
      `p50 ${samples[0]} within [1500, ${upper}]`,
    );
  } finally {
    unsubscribe();
    await feed.close();
    await transport.close();
  }
});

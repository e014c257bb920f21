/**
 * `rtap dashboard --brokers` as a user runs it, on the real broker: the output topics' history is loaded at
 * start, results and alerts written while it runs reach a WebSocket client and the REST endpoints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import { TopicSink } from '../../src/sinks/topic.js';
import { TOPICS } from '../../src/transport/topics.js';
import { kafka } from '../fault/helpers.js';
import { startCli } from '../helpers/cli.js';
import { createTopics, transport } from '../transport/kafka/helpers.js';
import { alert, kpis } from './synthetic.js';

const brokers = process.env.RTAP_KAFKA_BROKERS;

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test(
  'rtap dashboard --brokers: history at start, live results and alerts pushed over the WebSocket, REST answers from the topics',
  { skip: !brokers, timeout: 120_000 },
  async () => {
    // The reference output topics (other tests on this broker use their own names); created if missing.
    const k = kafka(brokers!);
    const admin = k.admin();
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const wanted = [TOPICS.results, TOPICS.alerts, TOPICS.deadLetter].filter((t) => !existing.has(t));
    await admin.disconnect();
    await createTopics(wanted, 3);

    const t = transport();
    const sink = new TopicSink(t.producer(), { resultsTopic: TOPICS.results, alertsTopic: TOPICS.alerts });
    // Windows in the future and a unique marker: whatever else the topics hold, these are the latest.
    const run = randomUUID().slice(0, 8);
    const w0 = Date.UTC(2035, 0, 1) + Math.floor(Math.random() * 1e6) * 60_000;
    const before = alert('critical', `history ${run}: card testing`, Date.now());
    await sink.write([
      { kind: 'result', result: kpis(w0, [100, 20, 10, 5], 250) },
      { kind: 'alert', alert: { ...before, alert_id: `before-${run}` } },
    ]);

    const dash = startCli([
      'dashboard',
      '--brokers',
      brokers!,
      '--port',
      '0',
      '--batch-interval',
      '200ms',
      '--json',
    ]);
    let ws: WebSocket | undefined;
    try {
      const started = await until('the dashboard to print its address', () => {
        if (dash.child.exitCode !== null)
          throw new Error(`rtap dashboard exited ${dash.child.exitCode}:\n${dash.stderr()}`);
        const line = dash
          .stdout()
          .split('\n')
          .find((l) => l.startsWith('{'));
        return line ? (JSON.parse(line) as { url: string; feed: string }) : undefined;
      });
      assert.match(started.feed, /processed-metrics, cep-alerts/);
      const get = async (path: string) => {
        const res = await fetch(new URL(path, started.url));
        return {
          status: res.status,
          body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text(),
        };
      };

      // History: read from the beginning of the topics.
      await until('the retained KPI window', async () =>
        (await get('/kpis/latest')).body.window_start === w0 ? true : undefined,
      );
      await until(
        'the retained alert',
        async () =>
          (await get('/alerts?limit=500')).body.alerts.some(
            (a: { alert_id: string }) => a.alert_id === `before-${run}`,
          ) || undefined,
      );

      // Live: what is written now reaches an open WebSocket and the REST views.
      const messages: string[] = [];
      ws = new WebSocket(started.url.replace(/^http/, 'ws') + 'ws');
      ws.on('message', (d) => messages.push(d.toString()));
      await new Promise<void>((resolve, reject) => ws!.once('open', () => resolve()).once('error', reject));
      await until('the init message', () =>
        messages.some((m) => m.startsWith('{"type":"init"')) ? true : undefined,
      );
      const live = alert('warning', `live ${run}: bounce rate 91%`, Date.now(), 'high_bounce_rate');
      await sink.write([
        { kind: 'result', result: kpis(w0 + 60_000, [300, 60, 30, 12], 987.5) },
        { kind: 'alert', alert: { ...live, alert_id: `live-${run}` } },
      ]);
      await until('the live alert over the WebSocket', () =>
        messages.some((m) => m.startsWith('{"type":"update"') && m.includes(`live-${run}`))
          ? true
          : undefined,
      );
      await until('the live KPI window over the WebSocket', () =>
        messages.some((m) => m.startsWith('{"type":"update"') && m.includes(String(w0 + 60_000)))
          ? true
          : undefined,
      );
      const latest = (await get('/kpis/latest')).body;
      assert.equal(latest.window_start, w0 + 60_000);
      assert.deepEqual(latest.funnel, { product_views: 300, add_to_cart: 60, checkout: 30, purchase: 12 });
      const health = await get('/health');
      assert.equal(health.status, 200);
      const metrics = (await get('/metrics')).body as string;
      assert.match(metrics, /^rtap_dashboard_clients 1$/m);
    } finally {
      ws?.terminate();
      dash.child.kill('SIGTERM');
      const code = await dash.exited;
      await t.close();
      assert.equal(code, 130, `rtap dashboard exit code after SIGTERM\n${dash.stderr()}`);
    }
  },
);

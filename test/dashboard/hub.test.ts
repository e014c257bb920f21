import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { WebSocket } from 'ws';
import { startDashboard } from '../../src/dashboard/index.js';
import type { WireMessage } from '../../src/dashboard/types.js';
import { ManualFeed, alert, realtime } from './synthetic.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const T0 = 1_700_000_000_000;

function wsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws') + 'ws';
}

/** A client that records every message it parses. */
async function connect(
  url: string,
): Promise<{ ws: WebSocket; messages: WireMessage[]; next(n?: number): Promise<void> }> {
  const ws = new WebSocket(url);
  const messages: WireMessage[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as WireMessage;
    messages.push(m);
    for (const w of [...waiters])
      if (messages.length >= w.count) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = (n = 1) =>
    new Promise<void>((resolve) => {
      const count = messages.length + n;
      if (messages.length >= count) resolve();
      else waiters.push({ count, resolve });
    });
  return { ws, messages, next };
}

/**
 * A client in a child process, recording each message's type: its receive buffers and strings are the
 * child's memory, so a reading of this process's memory measures the server alone.
 */
async function childClient(url: string): Promise<{ types: string[]; close(): void }> {
  const script = `const { WebSocket } = require('ws');
const ws = new WebSocket(process.argv[1]);
ws.on('open', () => process.stdout.write('open\\n'));
ws.on('message', (d) => process.stdout.write(JSON.parse(d.toString()).type + '\\n'));`;
  const child = spawn(process.execPath, ['-e', script, url], { stdio: ['ignore', 'pipe', 'inherit'] });
  const types: string[] = [];
  let open = false;
  let rest = '';
  child.stdout!.on('data', (d: Buffer) => {
    const lines = (rest + d.toString()).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      if (line === 'open') open = true;
      else types.push(line);
    }
  });
  await until(() => open || child.exitCode !== null, 10_000);
  assert.ok(open, 'the child client connected');
  return { types, close: () => child.kill() };
}

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('a new client gets the full state, then one message per batch carrying every change since the last', async () => {
  const feed = new ManualFeed();
  const dash = await startDashboard({ port: 0, feed, batchIntervalMs: 3_600_000 }); // batches only on flush()
  try {
    feed.result(realtime(T0, 100, 40, 1, 4));
    const c = await connect(wsUrl(dash.url));
    await until(() => c.messages.length === 1);
    const init = c.messages[0];
    assert.equal(init.type, 'init');
    assert.equal(
      init.type === 'init' && init.state.tiles.find((t) => t.id === 'page_views_per_sec')!.value,
      20,
    );

    const sent = [];
    for (let i = 1; i <= 30; i++) feed.result(realtime(T0 + i * 5000, 100 + i, 40, 1, 4));
    for (let i = 0; i < 4; i++) {
      const a = alert('warning', `a${i}`, T0 + i);
      sent.push(a);
      feed.alert(a);
    }
    const got = c.next();
    dash.flush();
    await got;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(c.messages.length, 2, 'exactly one message for the batch');
    const upd = c.messages[1];
    assert.equal(upd.type, 'update');
    if (upd.type !== 'update') return;
    assert.deepEqual(
      upd.delta.traffic!.map((p) => p.t),
      Array.from({ length: 31 }, (_, i) => T0 + (i + 1) * 5000),
    );
    assert.deepEqual(
      upd.delta.alerts!.map((a) => a.alert_id),
      sent.map((a) => a.alert_id),
    );
    assert.equal(upd.delta.tiles!.find((t) => t.id === 'page_views_per_sec')!.value, 130 / 5);

    // Nothing changed: the next batch is an empty delta (it still carries the data's age).
    const got2 = c.next();
    dash.flush();
    await got2;
    const empty = c.messages[2];
    assert.equal(empty.type === 'update' && Object.keys(empty.delta).length, 0);
    assert.equal(typeof empty.age_ms, 'number');
    c.ws.close();
  } finally {
    await dash.close();
  }
});

test('the batch timer sends updates at the configured interval', async () => {
  const feed = new ManualFeed();
  const dash = await startDashboard({ port: 0, feed, batchIntervalMs: 50 });
  try {
    const c = await connect(wsUrl(dash.url));
    feed.result(realtime(T0, 100, 40, 1, 4));
    await until(() => c.messages.some((m) => m.type === 'update' && m.delta.tiles !== undefined));
    await c.next(3);
    assert.ok(c.messages.slice(1).every((m) => m.type === 'update'));
    const seqs = c.messages.slice(1).map((m) => m.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      'sequence numbers increase',
    );
    c.ws.close();
  } finally {
    await dash.close();
  }
});

test("a client that stops reading does not grow the server's memory: its backlog stays bounded and it later gets the latest state", async () => {
  const feed = new ManualFeed();
  const highWater = 64 * 1024;
  const dash = await startDashboard({
    port: 0,
    feed,
    batchIntervalMs: 3_600_000,
    highWaterBytes: highWater,
    store: { alerts: 300, snapshotAlerts: 300 },
  });
  try {
    const slow = await connect(wsUrl(dash.url));
    // The fast client runs in a child process: in this one, its receive buffers and the ~100 MB of strings
    // it parses (which Node 24 may hold as external memory) would be in the reading below, which is meant
    // for the server's memory; under load it lags and they pile up there.
    const fast = await childClient(wsUrl(dash.url));
    await until(() => slow.messages.length === 1 && fast.types.length === 1);
    slow.ws.pause(); // stops reading its socket: the kernel buffers fill, then the server's send buffer would

    const padding = 'x'.repeat(900);
    const batches = 400;
    let largest = 0; // bytes of the largest single message
    let offered = 0; // bytes the slow client would have queued without the bound
    // Retained memory, not garbage awaiting collection: collect before both readings (GC timing varies
    // with machine load, which otherwise makes this measure the collector rather than the bound).
    collectGarbage();
    const before = process.memoryUsage();
    for (let b = 0; b < batches; b++) {
      for (let i = 0; i < 250; i++)
        feed.alert(alert('info', `batch ${b} alert ${i} ${padding}`, T0 + b * 1000 + i));
      feed.result(realtime(T0 + b * 5000, 100 + b, 40, 1, 4));
      const { bytesSent, messagesSent } = dash.stats();
      dash.flush();
      const s = dash.stats();
      const size = (s.bytesSent - bytesSent) / (s.messagesSent - messagesSent);
      largest = Math.max(largest, size);
      offered += size;
      // The fast client (another process) has read this batch before the next: it never lags behind.
      await until(() => fast.types.length === b + 2, 10_000);
    }
    const stats = dash.stats();
    collectGarbage();
    const after = process.memoryUsage();
    // Without the bound every batch (~250 KB each, ~100 MB in all) would queue for the slow client.
    assert.ok(offered > 80e6, `the test offers enough data to matter (${offered})`);
    const grown = after.arrayBuffers + after.external - before.arrayBuffers - before.external;
    assert.ok(grown < offered / 3, `buffer memory grew by ${grown} B of ${offered} B offered`);
    // Each flush hands at most one message per client to ws.
    assert.ok(
      stats.peakBufferedBytes <= highWater + largest,
      `peak backlog ${stats.peakBufferedBytes} B exceeds high water + one message`,
    );
    assert.ok(
      stats.coalesced > batches / 2,
      `most deltas to the slow client were dropped (coalesced ${stats.coalesced})`,
    );
    assert.ok(
      fast.types.every((t, i) => i === 0 || t === 'update'),
      'the fast client got every delta, never a resync',
    );

    // The slow client reads again: the backlog drains and its next message is the full latest state.
    slow.ws.resume();
    await new Promise((r) => setTimeout(r, 300));
    const seen = slow.messages.length;
    const got = slow.next();
    dash.flush();
    await got;
    const last = slow.messages[seen];
    assert.equal(last.type, 'init', 'a stale client is resynchronised with a snapshot');
    if (last.type !== 'init') return;
    assert.equal(last.state.alerts.at(-1)!.message, `batch ${batches - 1} alert 249 ${padding}`);
    assert.equal(last.state.tiles.find((t) => t.id === 'page_views_per_sec')!.value, (100 + batches - 1) / 5);
    slow.ws.close();
    fast.close();
  } finally {
    await dash.close();
  }
});

test('cross-origin browser upgrades are refused; same-origin and origin-less clients are accepted', async () => {
  const feed = new ManualFeed();
  const dash = await startDashboard({ port: 0, feed });
  try {
    const url = wsUrl(dash.url);
    const status = (origin?: string) =>
      new Promise<number | 'open'>((resolve) => {
        const ws = new WebSocket(url, origin ? { origin } : {});
        ws.once('open', () => {
          ws.close();
          resolve('open');
        });
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('error', () => undefined);
      });
    assert.equal(await status('http://evil.example'), 403);
    assert.equal(await status(new URL(dash.url).origin), 'open');
    assert.equal(await status(), 'open');
  } finally {
    await dash.close();
  }
});

/**
 * WebSocket fan-out of the dashboard: N clients on loopback, one batched update per interval each.
 *
 *   node --import tsx bench/dashboard-fanout.ts [--clients 1000] [--client-processes 4] [--interval 1s] [--duration 30s] [--json]
 *
 * The server (this process) is fed a realistic synthetic stream (realtime/business/kpis early results each
 * second, a health sample each second, an alert every ~2 s: ~5 KB per batch, like a live run). The clients
 * run in child processes, so the server's CPU is measured on its own, and spread over several of them:
 * 1,000 browsers receive in parallel, while one process would read 1,000 sockets one after another and
 * measure its own event loop (the last socket's delay) instead of the delivery. Fan-out latency = the moment a client
 * receives a message − the server's batch timestamp in it (both epoch ms from performance.timeOrigin +
 * performance.now()), taken before parsing; it covers serialisation, the sends to every client, the kernel
 * and the client event loop. Server CPU is process.cpuUsage() over the measured window, RSS sampled every
 * 100 ms.
 */
import { fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { startDashboard } from '../src/dashboard/index.js';
import { duration } from '../src/config/values.js';
import { newHistogram, summarize } from '../src/reporting/histograms.js';
import { ManualFeed, alert, business, health, kpis, realtime } from '../test/dashboard/synthetic.js';

const now = () => performance.timeOrigin + performance.now();

interface ClientReport {
  connected: number;
  messages: number;
  updates: number;
  /** Encoded HDR histogram (µs) of update latencies. */
  latencies: number[];
  errors: number;
}

async function runClients(url: string, n: number, measureMs: number): Promise<ClientReport> {
  const h: number[] = [];
  const report: ClientReport = { connected: 0, messages: 0, updates: 0, latencies: h, errors: 0 };
  let measuring = false;
  const sockets: WebSocket[] = [];
  const connectOne = () =>
    new Promise<void>((resolve) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.on('message', (data) => {
        const at = now();
        report.messages++;
        if (!measuring) return;
        // One process stands in for 1,000 browsers, each of which would parse its own copy in parallel; a
        // full JSON.parse per client here would serialise 1,000 parses and measure this process instead
        // of the delivery. The header fields come first in every message, so read them from the start.
        const head = (data as Buffer).subarray(0, 96).toString('latin1');
        const m = /^\{"type":"(\w+)","seq":\d+,"ts":([\d.]+)/.exec(head);
        if (!m) throw new Error(`unexpected message start: ${head}`);
        if (m[1] !== 'update') return;
        report.updates++;
        h.push(at - Number(m[2]));
      });
      ws.once('open', () => {
        report.connected++;
        resolve();
      });
      ws.once('error', () => {
        report.errors++;
        resolve();
      });
      sockets.push(ws);
    });
  // Connect in waves so the listen backlog is never the bottleneck.
  for (let i = 0; i < n; i += 100)
    await Promise.all(Array.from({ length: Math.min(100, n - i) }, connectOne));
  process.send!({ type: 'connected', connected: report.connected });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  measuring = true;
  await new Promise((r) => setTimeout(r, measureMs));
  measuring = false;
  for (const ws of sockets) ws.terminate();
  return report;
}

if (process.argv[2] === '--child') {
  const [url, n, ms] = process.argv.slice(3);
  const report = await runClients(url, Number(n), Number(ms));
  process.send!({ type: 'report', report }, () => process.exit(0));
} else {
  const { values: args } = parseArgs({
    options: {
      clients: { type: 'string', default: '1000' },
      interval: { type: 'string', default: '1s' },
      duration: { type: 'string', default: '30s' },
      'client-processes': { type: 'string', default: '4' },
      json: { type: 'boolean', default: false },
    },
  });
  const clients = Number(args.clients);
  if (!Number.isInteger(clients) || clients < 1)
    throw new Error(`--clients must be a whole number ≥ 1, got ${args.clients}`);
  const procs = Number(args['client-processes']);
  if (!Number.isInteger(procs) || procs < 1 || procs > clients)
    throw new Error(
      `--client-processes must be a whole number from 1 to --clients, got ${args['client-processes']}`,
    );
  const intervalMs = duration(args.interval, '--interval');
  const durationMs = duration(args.duration, '--duration');

  const feed = new ManualFeed();
  const dash = await startDashboard({ port: 0, feed, batchIntervalMs: intervalMs });
  // A synthetic live stream: what a running pipeline feeds the dashboard each second.
  let tickNo = 0;
  const pages = Array.from({ length: 10 }, (_, i): [string, number] => [
    `/products/category-${i}/item-${1000 + i}`,
    500 - i * 30,
  ]);
  const countries = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`C${i}`, 1000 - i * 20]));
  const feeder = setInterval(() => {
    tickNo++;
    const t = Date.now();
    const w5 = t - (t % 5000);
    const w60 = t - (t % 60_000);
    feed.result(
      realtime(w5, 400 + (tickNo % 13), 150 + (tickNo % 7), 3, 10, tickNo % 5 === 0 ? 'final' : 'early'),
    );
    feed.result(business(w60, 900, 40 + (tickNo % 5), pages, countries, 'early'));
    feed.result(kpis(w60, [500 + tickNo, 120, 60, 30], 1500 + tickNo, 'early'));
    feed.health(health(t, 300 + (tickNo % 11)));
    if (tickNo % 2 === 0)
      feed.alert(
        alert(
          'warning',
          `bounce rate ${80 + (tickNo % 10)}% over ${10 + (tickNo % 5)} sessions in the 5 s window`,
          t,
          'high_bounce_rate',
        ),
      );
  }, 1000);

  const wsUrl = dash.url.replace(/^http/, 'ws') + 'ws';
  // Client i of process j: clients split as evenly as possible.
  const children = Array.from({ length: procs }, (_, j) => {
    const n = Math.floor(clients / procs) + (j < clients % procs ? 1 : 0);
    return fork(new URL(import.meta.url).pathname, ['--child', wsUrl, String(n), String(durationMs)], {
      execArgv: ['--import', 'tsx'],
    });
  });
  const fromAll = <T>(type: string) =>
    Promise.all(
      children.map(
        (child) =>
          new Promise<T>((resolve) => {
            const f = (m: { type: string }) => {
              if (m.type === type) {
                child.off('message', f);
                resolve(m as T);
              }
            };
            child.on('message', f);
          }),
      ),
    );
  const connected = (await fromAll<{ connected: number }>('connected')).reduce((a, m) => a + m.connected, 0);
  await new Promise((r) => setTimeout(r, 2000)); // let the connection storm settle
  const cpu0 = process.cpuUsage();
  const t0 = now();
  let rssPeak = process.memoryUsage().rss;
  const rssStart = rssPeak;
  const rssTimer = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 100);
  const batches0 = dash.stats().batches;
  const bytes0 = dash.stats().bytesSent;
  for (const child of children) child.send('go');
  const reports = (await fromAll<{ report: ClientReport }>('report')).map((m) => m.report);
  const report: ClientReport = {
    connected,
    messages: reports.reduce((a, r) => a + r.messages, 0),
    updates: reports.reduce((a, r) => a + r.updates, 0),
    latencies: reports.flatMap((r) => r.latencies),
    errors: reports.reduce((a, r) => a + r.errors, 0),
  };
  const wallMs = now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(rssTimer);
  clearInterval(feeder);
  const stats = dash.stats();
  await dash.close();

  const hist = newHistogram();
  for (const v of report.latencies) hist.recordValue(Math.max(0, Math.round(v * 1000)));
  const lat = summarize(hist);
  const batches = stats.batches - batches0;
  const result = {
    clients,
    client_processes: procs,
    connected,
    interval_ms: intervalMs,
    duration_ms: durationMs,
    batches,
    updates_received: report.updates,
    updates_expected_about: batches * connected,
    avg_message_bytes: Math.round((stats.bytesSent - bytes0) / Math.max(1, batches * connected)),
    fanout_latency_ms: {
      p50: lat.p50,
      p90: lat.p90,
      p99: lat.p99,
      p999: lat.p999,
      max: lat.max,
      count: lat.count,
    },
    server_cpu_percent: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 1000) / 10,
    server_rss_mb: { start: Math.round(rssStart / 1e5) / 10, peak: Math.round(rssPeak / 1e5) / 10 },
    server_batch_send_ms: {
      last: Math.round(stats.lastFlushMs * 100) / 100,
      max: Math.round(stats.maxFlushMs * 100) / 100,
    },
    slow_client_coalesced: stats.coalesced,
    client_errors: report.errors,
    target_p99_ms: 50,
    target_met: lat.p99 < 50,
    load_average: loadavg(),
    cpus: cpus().length,
  };
  if (args.json) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(
      `dashboard fan-out: ${connected}/${clients} clients in ${procs} processes, one batch every ${intervalMs} ms for ${durationMs / 1000} s (${batches} batches, ~${result.avg_message_bytes} B each)`,
    );
    console.log(`  updates received   ${report.updates} (expected ≈ ${result.updates_expected_about})`);
    console.log(
      `  fan-out latency    p50 ${lat.p50} ms  p90 ${lat.p90} ms  p99 ${lat.p99} ms  p99.9 ${lat.p999} ms  max ${lat.max} ms  (target p99 < 50 ms: ${result.target_met ? 'met' : 'MISSED'})`,
    );
    console.log(`  server CPU         ${result.server_cpu_percent} % of one core`);
    console.log(
      `  server RSS         ${result.server_rss_mb.start} MB at start, ${result.server_rss_mb.peak} MB peak`,
    );
    console.log(
      `  server batch send  ${result.server_batch_send_ms.last} ms last, ${result.server_batch_send_ms.max} ms max (build + hand to all clients)`,
    );
    console.log(`  coalesced (slow)   ${stats.coalesced}`);
    console.log(
      `  machine load       ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')} on ${cpus().length} cores`,
    );
  }
  for (const child of children) child.kill();
}

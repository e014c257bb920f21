/**
 * Write throughput (points/s) and write-request latency (P50/P90/P99/max) of the InfluxDB sink.
 *
 *   node --import tsx bench/influx-write.ts [--points 200000] [--json]
 *
 * Against RTAP_INFLUX_URL (+ RTAP_INFLUX_TOKEN/ORG/BUCKET) when set, else a private VictoriaMetrics on
 * 127.0.0.1 (installed if missing). Each configuration writes the same pre-built view results (8 fields,
 * one nested object, a key tag) through the sink as fast as back-pressure allows, then flushes;
 * throughput = acknowledged points / wall time from the first write to the end of the flush. Latency is the
 * sink's onWriteLatency hook: the duration of each acknowledged write request.
 */
import { parseArgs } from 'node:util';
import type { ViewResult } from '../src/events/results.js';
import { newHistogram, summarize } from '../src/reporting/histograms.js';
import { createInfluxSink } from '../src/sinks/influx/index.js';
import type { Output } from '../src/sinks/types.js';
import { startVictoriaMetrics, type VictoriaMetrics } from '../test/services/influx.js';

const { values: args } = parseArgs({
  options: { points: { type: 'string', default: '200000' }, json: { type: 'boolean', default: false } },
});
const POINTS = Number(args.points);
if (!Number.isInteger(POINTS) || POINTS <= 0)
  throw new Error(`--points must be a positive integer, got ${args.points}`);

const CONFIGS = [
  { batchSize: 1000, gzip: true },
  { batchSize: 1000, gzip: false },
  { batchSize: 100, gzip: true },
  { batchSize: 5000, gzip: true },
];
const CHUNK = 500;

/** Deterministic results: 100 keys × consecutive 5-s windows, distinct per configuration (`offset`). */
function build(n: number, offset: number): Output[] {
  const base = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 24 * 3_600_000 + offset;
  return Array.from({ length: n }, (_, i): Output => {
    const w = Math.floor(i / 100);
    const r: ViewResult = {
      view: 'bench',
      key: `p${i % 100}`,
      window_start: base + w * 5000,
      window_end: base + w * 5000 + 5000,
      emit: 'final',
      emitted_at: 0,
      watermark: 0,
      last_intended_send_time: 0,
      event_count: 10 + (i % 90),
      fields: {
        views: i % 97,
        unique_users: i % 31,
        revenue: (i % 1000) * 1.25,
        aov: (i % 1000) / 7,
        funnel: { view_to_cart: (i % 10) / 10, cart_to_purchase: (i % 4) / 4 },
        anomalous: i % 50 === 0,
      },
    };
    return { kind: 'result', result: r };
  });
}

let vm: VictoriaMetrics | null = null;
const target = process.env.RTAP_INFLUX_URL
  ? {
      url: process.env.RTAP_INFLUX_URL,
      token: process.env.RTAP_INFLUX_TOKEN,
      org: process.env.RTAP_INFLUX_ORG,
      bucket: process.env.RTAP_INFLUX_BUCKET,
      kind: process.env.RTAP_INFLUX_KIND ?? 'influxdb',
    }
  : null;
const server = target ?? {
  url: (vm = await startVictoriaMetrics()).url,
  kind: 'victoria-metrics (Debian package, local)',
};

const rows: Record<string, unknown>[] = [];
try {
  for (const [ci, c] of CONFIGS.entries()) {
    const outputs = build(POINTS, ci * 3_600_000);
    const h = newHistogram();
    const logs: string[] = [];
    const sink = createInfluxSink({
      ...server,
      ...c,
      tags: { bench: `b${c.batchSize}${c.gzip ? 'z' : ''}` },
      log: (m) => logs.push(m),
      onWriteLatency: (ms) => h.recordValue(Math.max(1, Math.round(ms * 1000))),
    });
    const t0 = performance.now();
    for (let i = 0; i < outputs.length; i += CHUNK) await sink.write(outputs.slice(i, i + CHUNK));
    await sink.flush();
    const seconds = (performance.now() - t0) / 1000;
    await sink.close();
    const s = sink.stats();
    const lat = summarize(h);
    rows.push({
      batch: c.batchSize,
      gzip: c.gzip,
      points: s.written,
      failed: s.failed,
      retried: s.retried,
      requests: s.requests,
      seconds: Number(seconds.toFixed(2)),
      points_per_s: Math.round(s.written / seconds),
      p50_ms: lat.p50,
      p90_ms: lat.p90,
      p99_ms: lat.p99,
      max_ms: lat.max,
    });
    for (const m of logs) process.stderr.write(`warning (${c.batchSize}${c.gzip ? ', gzip' : ''}): ${m}\n`);
  }
} finally {
  await vm?.destroy();
}

if (args.json) {
  console.log(
    JSON.stringify({ server: server.kind, node: process.version, points: POINTS, results: rows }, null, 2),
  );
} else {
  console.log(
    `influx sink write bench: ${POINTS} points per configuration → ${server.kind}, node ${process.version}`,
  );
  console.table(rows);
}

/**
 * Write throughput and write-request latency of the store sinks: PostgreSQL (002's tables), the MongoDB
 * hot store (FerretDB on SQLite) and the Parquet cold store.
 *
 *   node --import tsx bench/store-write.ts [--windows 400] [--minutes 2000] [--events 200000]
 *
 * Starts a private PostgreSQL cluster and FerretDB (as the tests do), writes pre-built results through
 * each sink as fast as back-pressure allows, flushes; throughput = items / wall time from the first write
 * to the end of the flush. Latency: the sinks' onWriteLatency hook (one acknowledged request each).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AnalyticsEvent } from '../src/events/types.js';
import { newHistogram, summarize } from '../src/reporting/histograms.js';
import { createMongoSink } from '../src/sinks/mongo/index.js';
import { createParquetSink } from '../src/sinks/parquet/index.js';
import { createPostgresSink } from '../src/sinks/postgres/index.js';
import type { Output, Sink } from '../src/sinks/types.js';
import { kpis } from '../test/dashboard/synthetic.js';
import { startFerretDb } from '../test/services/mongo.js';
import { startPostgres } from '../test/services/postgres.js';
import { seededEventflow } from '../test/sinks/postgres/seeded.js';

const { values: args } = parseArgs({
  options: {
    windows: { type: 'string', default: '400' },
    minutes: { type: 'string', default: '300' },
    events: { type: 'string', default: '200000' },
  },
});

async function measure(
  name: string,
  items: number,
  make: (lat: (ms: number) => void) => Promise<Sink>,
  feed: (s: Sink) => Promise<void>,
) {
  const h = newHistogram();
  const sink = await make((ms) => h.recordValue(Math.max(1, Math.round(ms * 1000))));
  const t0 = performance.now();
  await feed(sink);
  await sink.flush();
  const s = (performance.now() - t0) / 1000;
  await sink.close();
  const l = summarize(h);
  console.log(
    `${name}: ${items} in ${s.toFixed(2)} s = ${Math.round(items / s)}/s` +
      (l.count ? `; request p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms (${l.count} requests)` : ''),
  );
}

const chunked = async (sink: Sink, outputs: Output[]) => {
  for (let i = 0; i < outputs.length; i += 100) await sink.write(outputs.slice(i, i + 100));
};

const pg = await startPostgres();
const ferret = await startFerretDb();
const dir = mkdtempSync(join(tmpdir(), 'rtap-bench-parquet-'));
try {
  const ef = seededEventflow(1, Number(args.windows)).filter((o) => o.kind === 'result');
  await measure(
    `postgres sink, batch 500 (${ef.length} eventflow rows)`,
    ef.length,
    (lat) => createPostgresSink({ url: pg.url, schema: 'bench', onWriteLatency: lat, log: () => {} }),
    (s) => chunked(s, ef),
  );
  const T0 = 1_700_000_040_000 - (1_700_000_040_000 % 60_000);
  const minutes: Output[] = Array.from({ length: Number(args.minutes) }, (_, m) => ({
    kind: 'result',
    result: kpis(T0 + m * 60_000, [100 + m, 20, 10, 5], m),
  }));
  for (const batchSize of [100])
    await measure(
      `mongo sink (FerretDB 1.24.2 on SQLite), batch ${batchSize} (${minutes.length} minute documents)`,
      minutes.length,
      (lat) =>
        createMongoSink({
          url: `${ferret.url}bench${batchSize}`,
          batchSize,
          onWriteLatency: lat,
          log: () => {},
        }),
      (s) => chunked(s, minutes),
    );
  const n = Number(args.events);
  const events = Array.from({ length: n }, (_, i) => ({
    event_id: `e-${i}`,
    event_type: 'page_view',
    user_id: `u${i % 5000}`,
    session_id: `s-${i % 20000}`,
    event_time: T0 + i * 10,
    intended_send_time: T0 + i * 10,
    user_type: 'regular',
    country: 'DE',
    device: 'mobile',
    page_url: `/p/${i % 300}`,
    referrer: null,
    load_time_ms: 120,
  })) as unknown as AnalyticsEvent[];
  await measure(
    `parquet sink, row groups of 10000 (${n} events)`,
    n,
    async () => createParquetSink({ dir }),
    async (s) => {
      for (let i = 0; i < n; i += 1000) await s.archive!(events.slice(i, i + 1000));
    },
  );
} finally {
  await pg.destroy();
  await ferret.destroy();
  rmSync(dir, { recursive: true, force: true });
}

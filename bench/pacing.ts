/**
 * Open-loop pacing benchmark (issue 2 acceptance): for 10 s at 200/s and at increasing rates on the
 * embedded log, does the sender hold its schedule? Prints the achieved rate (acknowledged events per
 * second of wall time) against the target, and publish delay / ack latency percentiles from HDR histograms.
 *
 *   node --import tsx bench/pacing.ts                # 200/s, then doubling from 1000/s until a rate fails
 *   node --import tsx bench/pacing.ts 200 5000 8000  # just these rates
 *   BENCH_SECONDS=30 BENCH_PROFILE=eventflow node --import tsx bench/pacing.ts
 *
 * A rate "holds" when the achieved rate is within 1 % of the target and publish delay p99 < 100 ms.
 */
import { createGenerator, defaultSimulatorConfig, runOpenLoop } from '../src/simulator/index.js';
import { newHistogram, summarize } from '../src/reporting/histograms.js';
import { createEmbeddedTransport } from '../src/transport/embedded/index.js';
import { DEFAULT_PARTITIONS } from '../src/transport/topics.js';
import { systemClock } from '../src/time/clock.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const profile = (process.env.BENCH_PROFILE ?? 'website') as 'website' | 'eventflow';

async function measure(rate: number) {
  const transport = createEmbeddedTransport({
    topics: Object.entries(DEFAULT_PARTITIONS).map(([name, partitions]) => ({
      name,
      partitions,
      replicationFactor: 1,
      config: {},
    })),
  });
  const producer = transport.producer();
  const generator = createGenerator({
    ...defaultSimulatorConfig(),
    profile,
    startTime: Math.floor(systemClock.now()),
    warmStartRatePerSec: rate,
  });
  const publish = newHistogram();
  const ack = newHistogram();
  const summary = await runOpenLoop(
    generator,
    producer,
    { ratePerSec: rate, durationMs: seconds * 1000 },
    systemClock,
    {
      onPublished(intended, sentAt, ackedAt, count) {
        publish.recordValueWithCount(Math.max(0, Math.round((sentAt - intended) * 1000)), count);
        ack.recordValueWithCount(Math.max(0, Math.round((ackedAt - sentAt) * 1000)), count);
      },
    },
  );
  await transport.close();
  const achieved = summary.achievedRatePerSec;
  const p = summarize(publish);
  const ok = Math.abs(achieved - rate) / rate <= 0.01 && p.p99 < 100;
  return {
    rate,
    achieved,
    error: (achieved - rate) / rate,
    sent: summary.sent,
    elapsedMs: summary.elapsedMs,
    publish: p,
    ack: summarize(ack),
    ok,
  };
}

const explicit = process.argv
  .slice(2)
  .map(Number)
  .filter((x) => x > 0);
const rates = explicit.length ? explicit : [200, 1000, 2000, 4000, 8000, 16000, 32000];
console.log(
  `open-loop pacing on the embedded log, ${profile} traffic, ${seconds}s per rate (node ${process.version})`,
);
console.log(
  'target/s  achieved/s  error    sent     publish delay ms p50 / p90 / p99 / p99.9 / max   ack p99   holds',
);
let best = 0;
for (const rate of rates) {
  const r = await measure(rate);
  const pd = r.publish;
  console.log(
    `${String(rate).padStart(8)}  ${r.achieved.toFixed(1).padStart(10)}  ${(r.error * 100).toFixed(2).padStart(5)}%  ${String(r.sent).padStart(7)}   ` +
      `${[pd.p50, pd.p90, pd.p99, pd.p999, pd.max]
        .map((x) => x.toFixed(2))
        .join(' / ')
        .padEnd(40)}  ${r.ack.p99.toFixed(2).padStart(6)}   ${r.ok ? 'yes' : 'NO'}`,
  );
  if (r.ok) best = Math.max(best, rate);
  else if (!explicit.length && rate > 200) break;
}
console.log(`highest rate held: ${best}/s`);

import { createHash } from 'node:crypto';
import { createCep, defaultPatternDir, loadPatternFiles } from '../../src/cep/index.js';
import type { Alert } from '../../src/events/results.js';
import type { AnalyticsEvent } from '../../src/events/types.js';
import { defaultSimulatorConfig, generateRecords } from '../../src/simulator/index.js';

const MIN = 60_000;

/**
 * A seeded stream with the knobs that make every shipped pattern fire (docs/patterns.md), delivered out of
 * event-time order: arrivals are shuffled within windows of 64 events, as partitions interleave.
 */
export function recordedStream(events: number): AnalyticsEvent[] {
  const config = {
    ...defaultSimulatorConfig(),
    seed: 11,
    // The stream the fixture was recorded from: the unsharded one of earlier versions.
    shards: 1,
    sessionTimeoutMs: 6 * MIN,
    fraudShare: 0.3,
    addToCartRate: 0.4,
    bounceSpike: { everyMs: 10 * MIN, durationMs: MIN, share: 0.95 },
    warmStartRatePerSec: 60,
  };
  const out: AnalyticsEvent[] = [];
  for (const { record } of generateRecords(config, { ratePerSec: 60, events }))
    if (record.event) out.push(record.event);
  let s = 12345;
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i + 64 <= out.length; i += 64)
    for (let j = i + 63; j > i; j--) {
      const k = i + Math.floor(rand() * (j - i + 1));
      [out[j], out[k]] = [out[k], out[j]];
    }
  return out;
}

/** The shipped patterns over the stream, the watermark 2 s behind the newest event after every 500 arrivals. */
export function alertsOver(stream: AnalyticsEvent[]): Alert[] {
  const alerts: Alert[] = [];
  const cep = createCep(loadPatternFiles([defaultPatternDir()]), { alert: (a) => alerts.push(a) });
  let max = -Infinity;
  stream.forEach((e, i) => {
    cep.process(e, 0);
    if (e.event_time > max) max = e.event_time;
    if (i % 500 === 499) cep.advanceWatermark(max - 2000, 0);
  });
  cep.flush(0);
  return alerts;
}

/** What the regression test compares: the alert's id, and a hash of its bound events and message. */
export function alertDigest(a: Alert): string {
  const detail = JSON.stringify([a.events.map((e) => `${e.variable}=${e.event_id}`), a.message]);
  return `${a.alert_id} ${createHash('sha1').update(detail).digest('hex').slice(0, 12)}`;
}

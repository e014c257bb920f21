import type { Alert, Severity, ViewResult } from '../../events/results.js';
import { intervalQuantiles, newHistogram } from '../../reporting/histograms.js';
import { systemClock, type Clock } from '../../time/clock.js';
import { TOPICS } from '../../transport/topics.js';
import type { ConsumedRecord, Consumer, RecordBatch, Transport } from '../../transport/types.js';
import type { DashboardFeed, FeedListener } from '../feed.js';
import type { HealthSample, LatencyQuantiles } from '../types.js';
import { eventsPerSec } from '../views.js';

export interface TopicFeedOptions {
  transport: Transport;
  resultsTopic?: string;
  alertsTopic?: string;
  /** Counted for the dead-letter tile; null to skip it. */
  deadLetterTopic?: string | null;
  /** A fresh group per dashboard by default, so several dashboards each see everything. */
  groupId?: string;
  /** Read the topics' retained history first (the compacted processed-metrics fills the charts). */
  fromBeginning?: boolean;
  healthIntervalMs?: number;
  clock?: Clock;
  /** A record that is not a result/alert JSON is skipped and reported here. */
  onBadRecord?(record: ConsumedRecord, reason: string): void;
  /** The consumer stopped with an error. */
  onError?(err: Error): void;
}

const SEVERITIES = new Set<Severity>(['info', 'warning', 'critical']);

function parseResult(value: Buffer): ViewResult | string {
  let v: Partial<ViewResult>;
  try {
    v = JSON.parse(value.toString('utf8')) as Partial<ViewResult>;
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  if (typeof v !== 'object' || v === null) return 'not a JSON object';
  if (typeof v.view !== 'string') return 'missing string field view';
  if (typeof v.key !== 'string') return 'missing string field key';
  for (const f of [
    'window_start',
    'window_end',
    'emitted_at',
    'watermark',
    'last_intended_send_time',
    'event_count',
  ] as const) {
    if (typeof v[f] !== 'number') return `missing numeric field ${f}`;
  }
  if (v.emit !== 'final' && v.emit !== 'early')
    return `emit must be 'final' or 'early', got ${JSON.stringify(v.emit)}`;
  if (typeof v.fields !== 'object' || v.fields === null || Array.isArray(v.fields))
    return 'missing object field fields';
  return v as ViewResult;
}

function parseAlert(value: Buffer): Alert | string {
  let v: Partial<Alert>;
  try {
    v = JSON.parse(value.toString('utf8')) as Partial<Alert>;
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  if (typeof v !== 'object' || v === null) return 'not a JSON object';
  for (const f of ['alert_id', 'pattern', 'key', 'message'] as const)
    if (typeof v[f] !== 'string') return `missing string field ${f}`;
  if (!SEVERITIES.has(v.severity as Severity))
    return `severity must be info, warning or critical, got ${JSON.stringify(v.severity)}`;
  if (typeof v.detected_at !== 'number') return 'missing numeric field detected_at';
  return { ...v, events: Array.isArray(v.events) ? v.events : [] } as Alert;
}

/**
 * The standalone feed: reads the pipeline's output topics (processed-metrics, cep-alerts, and counts
 * events-deadletter) through the Transport consumer API. Health is what the dashboard can observe from
 * there: the event rate its realtime results report, end-to-end latency to the dashboard (receipt −
 * last intended send time of final results), its own consumer lag, and the watermark lag of the results.
 */
export function topicFeed(o: TopicFeedOptions): DashboardFeed {
  const clock = o.clock ?? systemClock;
  const resultsTopic = o.resultsTopic ?? TOPICS.results;
  const alertsTopic = o.alertsTopic ?? TOPICS.alerts;
  const dlqTopic = o.deadLetterTopic === undefined ? TOPICS.deadLetter : o.deadLetterTopic;
  let consumer: Consumer | null = null;
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;

  return {
    description: `topics ${resultsTopic}, ${alertsTopic} on ${o.transport.description}`,
    subscribe(l: FeedListener) {
      const lag = new Map<string, number>();
      const totals = { results: 0, alerts: 0, deadLetters: 0 };
      let last = { results: 0, alerts: 0, at: clock.now() };
      let e2e = newHistogram();
      let alertLatency = newHistogram();
      let throughput = 0;
      let watermark: number | null = null;

      const handle = async (batch: RecordBatch) => {
        const now = clock.now();
        for (const rec of batch.records) {
          if (rec.topic === resultsTopic) {
            const r = parseResult(rec.value);
            if (typeof r === 'string') {
              o.onBadRecord?.(rec, r);
              continue;
            }
            totals.results++;
            if (watermark === null || r.watermark > watermark) watermark = r.watermark;
            if (r.emit === 'final') {
              e2e.recordValue(Math.max(0, Math.round((now - r.last_intended_send_time) * 1000)));
              throughput = eventsPerSec(r) ?? throughput;
            }
            l.result(r);
          } else if (rec.topic === alertsTopic) {
            const a = parseAlert(rec.value);
            if (typeof a === 'string') {
              o.onBadRecord?.(rec, a);
              continue;
            }
            totals.alerts++;
            if (typeof a.trigger_intended_send_time === 'number') {
              alertLatency.recordValue(Math.max(0, Math.round((now - a.trigger_intended_send_time) * 1000)));
            }
            l.alert(a);
          } else if (rec.topic === dlqTopic) totals.deadLetters++;
        }
        if (batch.records.length) {
          const next = batch.records[batch.records.length - 1].offset + 1;
          lag.set(`${batch.topic}/${batch.partition}`, Math.max(0, batch.highWatermark - next));
          await consumer!.commit([{ topic: batch.topic, partition: batch.partition, offset: next }]);
        }
      };

      const q = (h: ReturnType<typeof newHistogram>): LatencyQuantiles | undefined => {
        if (h.totalCount === 0) return undefined;
        return intervalQuantiles(h);
      };
      timer = setInterval(() => {
        const now = clock.now();
        const dt = Math.max(1e-3, (now - last.at) / 1000);
        let lagTotal = 0;
        for (const v of lag.values()) lagTotal += v;
        const latency: HealthSample['latency'] = {};
        const e = q(e2e);
        const a = q(alertLatency);
        if (e) latency.e2e = e;
        if (a) latency.alert = a;
        l.health({
          at: now,
          throughputPerSec: throughput,
          producedPerSec: null,
          resultsPerSec: (totals.results - last.results) / dt,
          alertsPerSec: (totals.alerts - last.alerts) / dt,
          latency,
          lag: lagTotal,
          watermarkLagMs: watermark === null ? null : Math.max(0, now - watermark),
          consumed: null,
          deadLetters: totals.deadLetters,
          errorRate: null,
          results: totals.results,
          alerts: totals.alerts,
        });
        last = { results: totals.results, alerts: totals.alerts, at: now };
        e2e = newHistogram();
        alertLatency = newHistogram();
      }, o.healthIntervalMs ?? 1000);

      consumer = o.transport.consumer({
        groupId: o.groupId ?? `rtap-dashboard-${process.pid}-${Date.now()}`,
        topics: [resultsTopic, alertsTopic, ...(dlqTopic ? [dlqTopic] : [])],
        fromBeginning: o.fromBeginning ?? true,
      });
      running = consumer.run(handle).catch((err: Error) => o.onError?.(err));
      return () => {
        if (timer) clearInterval(timer);
        timer = null;
      };
    },
    async close() {
      if (timer) clearInterval(timer);
      timer = null;
      await consumer?.stop();
      await running;
    },
  };
}

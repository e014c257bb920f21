import type { HubStats } from './hub.js';
import type { DashboardStore } from './store.js';

type Sample = { labels?: Record<string, string>; value: number };
interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: Sample[];
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Prometheus text exposition format 0.0.4. */
export function renderFamilies(families: Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    lines.push(`# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels =
        s.labels && Object.keys(s.labels).length
          ? `{${Object.entries(s.labels)
              .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
              .join(',')}}`
          : '';
      lines.push(`${f.name}${labels} ${formatValue(s.value)}`);
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * /metrics for Grafana users: the latest health sample (throughput, lag, latency quantiles, errors) and
 * the dashboard's own fan-out counters. Latencies in seconds, per Prometheus convention.
 */
export function renderMetrics(store: DashboardStore, hub: HubStats): string {
  const h = store.health();
  const fam: Family[] = [];
  const gauge = (name: string, help: string, value: number | null | undefined) =>
    fam.push({
      name,
      help,
      type: 'gauge',
      samples: value === null || value === undefined ? [] : [{ value }],
    });
  const counter = (name: string, help: string, samples: Sample[]) =>
    fam.push({ name, help, type: 'counter', samples });

  if (h) {
    gauge(
      'rtap_throughput_events_per_second',
      'Events per second consumed by the pipeline over the last interval.',
      h.throughputPerSec,
    );
    gauge(
      'rtap_produced_events_per_second',
      'Events per second produced by an in-process generator.',
      h.producedPerSec,
    );
    gauge('rtap_consumer_lag_records', 'Consumer lag in records, summed over partitions.', h.lag);
    gauge(
      'rtap_watermark_lag_seconds',
      'Wall time minus the pipeline watermark.',
      h.watermarkLagMs === null ? null : h.watermarkLagMs / 1000,
    );
    gauge('rtap_error_ratio', 'Share of consumed records that were malformed (dead-lettered).', h.errorRate);
    const q: Sample[] = [];
    for (const [stage, l] of Object.entries(h.latency)) {
      if (!l) continue;
      for (const [quantile, v] of [
        ['0.5', l.p50],
        ['0.95', l.p95],
        ['0.99', l.p99],
        ['1', l.max],
      ] as const) {
        q.push({ labels: { stage, quantile }, value: v / 1000 });
      }
    }
    fam.push({
      name: 'rtap_latency_seconds',
      help: 'Latency quantiles of the last interval per stage (definitions in docs/report.md).',
      type: 'gauge',
      samples: q,
    });
    if (h.consumed !== null)
      counter('rtap_events_consumed_total', 'Records consumed by the pipeline.', [{ value: h.consumed }]);
    counter('rtap_dead_letters_total', 'Records routed to the dead-letter topic (malformed or late).', [
      { value: h.deadLetters },
    ]);
    counter('rtap_results_total', 'View results emitted by the pipeline.', [{ value: h.results }]);
    const perSink = (counterName: string) =>
      Object.entries(h.sinks ?? {}).flatMap(([sink, s]) =>
        typeof s[counterName] === 'number' ? [{ labels: { sink }, value: s[counterName] }] : [],
      );
    counter(
      'rtap_sink_written_total',
      'Items (points, rows, documents, lines, records) each sink has at its destination.',
      perSink('written'),
    );
    counter(
      'rtap_sink_retried_total',
      'Item sends a sink repeated after a failed or timed-out request.',
      perSink('retried'),
    );
    counter(
      'rtap_sink_failed_total',
      'Items a sink gave up on (rejected as invalid, or undeliverable): dropped.',
      perSink('failed'),
    );
    fam.push({
      name: 'rtap_sink_buffered',
      help: 'Items accepted by a sink and not yet written (waiting in its buffer).',
      type: 'gauge',
      samples: perSink('buffered'),
    });
  }
  counter(
    'rtap_dashboard_alerts_total',
    'Alerts received by the dashboard, by severity.',
    Object.entries(store.counts.bySeverity).map(([severity, value]) => ({ labels: { severity }, value })),
  );
  counter('rtap_dashboard_results_total', 'View results received by the dashboard.', [
    { value: store.counts.results },
  ]);
  gauge(
    'rtap_dashboard_last_update_age_seconds',
    'Seconds since the feed last delivered data.',
    store.lastDataAt === null ? null : (store.ageMs() ?? 0) / 1000,
  );
  gauge('rtap_dashboard_clients', 'Connected WebSocket clients.', hub.clients);
  counter('rtap_dashboard_messages_sent_total', 'WebSocket messages sent.', [{ value: hub.messagesSent }]);
  counter('rtap_dashboard_bytes_sent_total', 'WebSocket payload bytes sent.', [{ value: hub.bytesSent }]);
  counter(
    'rtap_dashboard_updates_coalesced_total',
    'Deltas skipped for slow clients (replaced by a full snapshot later).',
    [{ value: hub.coalesced }],
  );
  return renderFamilies(fam);
}

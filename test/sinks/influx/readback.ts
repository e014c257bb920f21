/**
 * Reads points back from the server the influx tests write to, independently of the sink's code:
 * - VictoriaMetrics: `/api/v1/export` returns one JSON line per series; an InfluxDB line's field becomes
 *   the metric `<measurement>_<field>` and its tags become labels (learned by experiment, see
 *   docs/influx.md). Booleans come back as 1/0, strings as their numeric parse or 0. Samples with the same
 *   timestamp are all kept, so a point written twice shows up as a duplicate: the strictest check.
 * - InfluxDB 2.x: a Flux query; a point written twice is one point (overwrite).
 */
import { InfluxDB } from '@influxdata/influxdb-client';
import { startVictoriaMetrics } from '../../services/influx.js';

export type Kind = 'victoria-metrics' | 'influxdb';

export interface Target {
  kind: Kind;
  url: string;
  token: string;
  org: string;
  bucket: string;
}

export interface ReadPoint {
  tags: Record<string, string>;
  time: number;
  fields: Record<string, number | string | boolean>;
}

export interface Readback {
  /** By identity: sorted tags + time. */
  points: Map<string, ReadPoint>;
  /** Field values seen more than once for the same point (only VictoriaMetrics can show them). */
  duplicates: number;
}

export function targetFromEnv(env = process.env): Target | null {
  if (!env.RTAP_INFLUX_URL) return null;
  return {
    kind: (env.RTAP_INFLUX_KIND as Kind) ?? 'influxdb',
    url: env.RTAP_INFLUX_URL,
    token: env.RTAP_INFLUX_TOKEN ?? '',
    org: env.RTAP_INFLUX_ORG ?? 'rtap',
    bucket: env.RTAP_INFLUX_BUCKET ?? 'rtap',
  };
}

/**
 * The server of `npm test` (RTAP_INFLUX_URL), or, when a file runs alone, a private VictoriaMetrics
 * started here; `stop` ends that one.
 */
export async function testTarget(): Promise<{ target: Target; stop: () => Promise<void> }> {
  const fromEnv = targetFromEnv();
  if (fromEnv) return { target: fromEnv, stop: async () => {} };
  const vm = await startVictoriaMetrics();
  return {
    target: { kind: 'victoria-metrics', url: vm.url, token: '', org: 'rtap', bucket: 'rtap' },
    stop: () => vm.destroy(),
  };
}

export function pointId(tags: Record<string, string>, time: number): string {
  const sorted = Object.keys(tags)
    .sort()
    .map((k) => `${k}=${tags[k]}`);
  return `${sorted.join(',')}@${time}`;
}

function add(
  out: Readback,
  tags: Record<string, string>,
  time: number,
  field: string,
  value: number | string | boolean,
) {
  const id = pointId(tags, time);
  let p = out.points.get(id);
  if (!p) out.points.set(id, (p = { tags, time, fields: {} }));
  if (field in p.fields) out.duplicates++;
  p.fields[field] = value;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function readVictoria(t: Target, measurement: string, tags: Record<string, string>): Promise<Readback> {
  // Make just-written samples searchable now instead of within a second or so.
  await fetch(`${t.url}/internal/force_flush`);
  const selectors = Object.entries(tags).map(([k, v]) => `,${k}=${JSON.stringify(v)}`);
  const match = `{__name__=~${JSON.stringify(`${escapeRegex(measurement)}_.+`)}${selectors.join('')}}`;
  const res = await fetch(`${t.url}/api/v1/export`, {
    method: 'POST',
    body: new URLSearchParams({ 'match[]': match, start: '0' }),
  });
  if (!res.ok) throw new Error(`export ${match}: HTTP ${res.status} ${await res.text()}`);
  const out: Readback = { points: new Map(), duplicates: 0 };
  for (const line of (await res.text()).split('\n')) {
    if (!line.trim()) continue;
    const s = JSON.parse(line) as { metric: Record<string, string>; values: number[]; timestamps: number[] };
    const { __name__: name, ...labels } = s.metric;
    const field = name.slice(measurement.length + 1);
    s.timestamps.forEach((ts, i) => add(out, labels, ts, field, s.values[i]));
  }
  return out;
}

const SYSTEM_COLUMNS = new Set([
  'result',
  'table',
  '_start',
  '_stop',
  '_time',
  '_value',
  '_field',
  '_measurement',
]);

async function readInflux(t: Target, measurement: string, tags: Record<string, string>): Promise<Readback> {
  const api = new InfluxDB({ url: t.url, token: t.token || undefined }).getQueryApi(t.org);
  const filters = [
    `r._measurement == ${JSON.stringify(measurement)}`,
    ...Object.entries(tags).map(([k, v]) => `r[${JSON.stringify(k)}] == ${JSON.stringify(v)}`),
  ];
  const flux = `from(bucket: ${JSON.stringify(t.bucket)}) |> range(start: 0) |> filter(fn: (r) => ${filters.join(' and ')})`;
  const rows = await api.collectRows<Record<string, unknown>>(flux);
  const out: Readback = { points: new Map(), duplicates: 0 };
  for (const row of rows) {
    const rowTags: Record<string, string> = {};
    for (const [k, v] of Object.entries(row))
      if (!SYSTEM_COLUMNS.has(k) && typeof v === 'string' && v !== '') rowTags[k] = v;
    add(
      out,
      rowTags,
      Date.parse(String(row._time)),
      String(row._field),
      row._value as number | string | boolean,
    );
  }
  return out;
}

/** Every point of `measurement` whose tags include `tags` (e.g. this test run's id). */
export function readMeasurement(
  t: Target,
  measurement: string,
  tags: Record<string, string>,
): Promise<Readback> {
  return t.kind === 'victoria-metrics'
    ? readVictoria(t, measurement, tags)
    : readInflux(t, measurement, tags);
}

/** How a written field value reads back from this kind of server. */
export function asStored(kind: Kind, v: number | string | boolean): number | string | boolean {
  if (kind === 'influxdb') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const n = Number(v);
    return v.trim() !== '' && Number.isFinite(n) ? n : 0;
  }
  return v;
}

/**
 * VictoriaMetrics: the number of samples a PromQL/MetricsQL user sees for the series carrying `tags`
 * (`sum(count_over_time({tags}[1y]))` at now), through the query engine rather than the export API.
 * With deduplication on it counts a point written twice once; without, twice.
 */
export async function countSamples(t: Target, tags: Record<string, string>): Promise<number> {
  await fetch(`${t.url}/internal/force_flush`);
  const selector = Object.entries(tags)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
  const query = `sum(count_over_time({${selector}}[1y]))`;
  const res = await fetch(`${t.url}/api/v1/query`, {
    method: 'POST',
    body: new URLSearchParams({ query, time: String(Date.now() / 1000) }),
  });
  if (!res.ok) throw new Error(`query ${query}: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
  return body.data.result.length ? Number(body.data.result[0].value[1]) : 0;
}

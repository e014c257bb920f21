/**
 * A seeded source of view results and alerts for the influx tests: a small random event stream
 * aggregated into 5-s and 1-min windows here in the test (the real engine is tested on its own), with the
 * field shapes views produce: plain numbers, nested objects, top-N arrays, booleans, strings, nulls.
 * Same seed and base time → same outputs.
 */
import type { Alert, FieldValue, ViewResult } from '../../../src/events/results.js';
import type { Output } from '../../../src/sinks/types.js';
import { mulberry32 } from '../../helpers/random.js';

interface Ev {
  user: string;
  country: string;
  device: 'desktop' | 'mobile' | 'tablet';
  purchase: boolean;
  revenue: number;
  currency: string;
  latency: number;
}

const COUNTRIES = ['US', 'DE', 'FR', 'JP'];
const DEVICES = ['desktop', 'mobile', 'tablet'] as const;
const CURRENCIES = ['USD', 'EUR', 'JPY'];
const REALTIME_MS = 5_000;
const KPI_WINDOWS = 12;

function result(
  view: string,
  key: string,
  start: number,
  end: number,
  emit: 'final' | 'early',
  n: number,
  fields: Record<string, FieldValue>,
): ViewResult {
  return {
    view,
    key,
    window_start: start,
    window_end: end,
    emit,
    emitted_at: end + 100,
    watermark: end,
    last_intended_send_time: end - 1,
    event_count: n,
    fields,
  };
}

function realtimeFields(evs: Ev[]): Record<string, FieldValue> {
  const byDevice = { desktop: 0, mobile: 0, tablet: 0 };
  const byCountry = new Map<string, number>();
  for (const e of evs) {
    byDevice[e.device]++;
    byCountry.set(e.country, (byCountry.get(e.country) ?? 0) + 1);
  }
  const top = [...byCountry].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 2);
  const busiest = DEVICES.reduce((a, b) => (byDevice[b] > byDevice[a] ? b : a));
  return {
    page_views: evs.filter((e) => !e.purchase).length,
    conversions: evs.filter((e) => e.purchase).length,
    unique_users: new Set(evs.map((e) => e.user)).size,
    revenue_usd: Math.round(evs.reduce((s, e) => s + (e.purchase ? e.revenue : 0), 0) * 100) / 100,
    by_device: byDevice,
    top_countries: top.map(([country, n]) => ({ country, n })),
    busy: evs.length > 50,
    busiest_device: busiest,
  };
}

export interface SeededRun {
  /** In emission order: early results before their final. */
  outputs: Output[];
  finals: ViewResult[];
  early: ViewResult[];
  alerts: Alert[];
}

/** `windows` 5-s windows starting at `base` (ms, aligned to a minute). */
export function seededRun(seed: number, base: number, windows: number): SeededRun {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const outputs: Output[] = [];
  let kpiEvents: Ev[] = [];
  for (let w = 0; w < windows; w++) {
    const start = base + w * REALTIME_MS;
    const end = start + REALTIME_MS;
    const evs: Ev[] = Array.from({ length: 20 + Math.floor(rnd() * 60) }, () => ({
      user: `u${Math.floor(rnd() * 40)}`,
      country: pick(COUNTRIES),
      device: pick(DEVICES),
      purchase: rnd() < 0.2,
      revenue: Math.round(rnd() * 50_000) / 100,
      currency: pick(CURRENCIES),
      latency: Math.round(rnd() * 800 * 10) / 10,
    }));
    const half = evs.slice(0, Math.floor(evs.length / 2));
    outputs.push({
      kind: 'result',
      result: result('realtime', '', start, end, 'early', half.length, realtimeFields(half)),
    });
    outputs.push({
      kind: 'result',
      result: result('realtime', '', start, end, 'final', evs.length, realtimeFields(evs)),
    });
    for (const cur of CURRENCIES) {
      const orders = evs.filter((e) => e.purchase && e.currency === cur);
      if (orders.length === 0) continue;
      const revenue = Math.round(orders.reduce((s, e) => s + e.revenue, 0) * 100) / 100;
      outputs.push({
        kind: 'result',
        result: result('revenue.by_currency', cur, start, end, 'final', orders.length, {
          revenue,
          orders: orders.length,
          aov: orders.length > 1 ? Math.round((revenue / orders.length) * 100) / 100 : null,
        }),
      });
    }
    const perUser = new Map<string, number>();
    for (const e of evs) if (e.purchase) perUser.set(e.user, (perUser.get(e.user) ?? 0) + 1);
    for (const [user, n] of [...perUser].sort()) {
      if (n < 2) continue;
      outputs.push({
        kind: 'alert',
        alert: {
          alert_id: `hv-${w}-${user}`,
          pattern: 'purchase_velocity',
          severity: n >= 3 ? 'critical' : 'warning',
          key: user,
          message: `${n} purchases by ${user} in 5 s`,
          events: Array.from({ length: n }, (_, i) => ({
            variable: 'A',
            event_id: `e-${w}-${user}-${i}`,
            kind: 'conversion',
            event_time: start + i,
          })),
          first_event_time: start,
          last_event_time: start + n - 1,
          detected_at: end + 10,
          trigger_intended_send_time: start + n - 1,
        },
      });
    }
    kpiEvents.push(...evs);
    if ((w + 1) % KPI_WINDOWS === 0) {
      const kStart = end - KPI_WINDOWS * REALTIME_MS;
      const lat = kpiEvents.map((e) => e.latency).sort((a, b) => a - b);
      const buyers = new Set(kpiEvents.filter((e) => e.purchase).map((e) => e.user)).size;
      const users = new Set(kpiEvents.map((e) => e.user)).size;
      outputs.push({
        kind: 'result',
        result: result('kpis', '', kStart, end, 'final', kpiEvents.length, {
          sessions: users,
          funnel: {
            visitors: users,
            buyers,
            rate: { visit_to_buy: Math.round((buyers / users) * 1e6) / 1e6 },
          },
          p95_latency_ms: lat[Math.ceil(0.95 * lat.length) - 1],
        }),
      });
      kpiEvents = [];
    }
  }
  const results = outputs.flatMap((o) => (o.kind === 'result' ? [o.result] : []));
  return {
    outputs,
    finals: results.filter((r) => r.emit === 'final'),
    early: results.filter((r) => r.emit === 'early'),
    alerts: outputs.flatMap((o) => (o.kind === 'alert' ? [o.alert] : [])),
  };
}

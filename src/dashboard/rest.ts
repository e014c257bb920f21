import type { Severity } from '../events/results.js';
import type { FanoutHub } from './hub.js';
import { renderMetrics } from './metrics.js';
import type { KpiArchive } from './mongo-kpis.js';
import type { DashboardStore } from './store.js';
import { SEVERITY_RANK } from './types.js';

export interface ApiContext {
  store: DashboardStore;
  hub: FanoutHub;
  startedAt: number;
  now(): number;
  /** /health reports `stale` when the feed has been silent this long. */
  staleAfterMs: number;
  /** Where /kpis reads from instead of the store's in-memory history (the MongoDB hot store). */
  kpiArchive?: KpiArchive;
}

export interface ApiResponse {
  status: number;
  contentType: string;
  body: string;
}

/** A bad query parameter: answered with 400 and a message naming the parameter and the value. */
class BadParam extends Error {}

const json = (status: number, value: unknown): ApiResponse => ({
  status,
  contentType: 'application/json; charset=utf-8',
  body: JSON.stringify(value, null, 1),
});

function positiveNumber(url: URL, name: string, fallback: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new BadParam(`query parameter ${name} must be a positive number, got '${raw}'`);
  if (n > max) throw new BadParam(`query parameter ${name} must be at most ${max}, got '${raw}'`);
  return n;
}

function positiveInt(url: URL, name: string, fallback: number, max: number): number {
  const n = positiveNumber(url, name, fallback, max);
  if (!Number.isInteger(n))
    throw new BadParam(`query parameter ${name} must be a whole number, got '${url.searchParams.get(name)}'`);
  return n;
}

function severity(url: URL): Severity | undefined {
  const raw = url.searchParams.get('severity');
  if (raw === null || raw === '') return undefined;
  if (!(raw in SEVERITY_RANK))
    throw new BadParam(`query parameter severity must be one of info, warning, critical, got '${raw}'`);
  return raw as Severity;
}

const WEEK_MINUTES = 7 * 24 * 60;

/**
 * The REST endpoints of reference 004 (/health, /kpis/latest, /kpis?minutes_back=, /funnel?minutes_back=)
 * plus /alerts?limit= and Prometheus /metrics. Returns null for paths it does not serve.
 */
export function handleApi(
  path: string,
  url: URL,
  ctx: ApiContext,
): ApiResponse | Promise<ApiResponse> | null {
  const { store } = ctx;
  try {
    switch (path) {
      case '/health': {
        const age = store.ageMs();
        const status = age === null ? 'no_data' : age > ctx.staleAfterMs ? 'stale' : 'ok';
        return json(status === 'ok' ? 200 : 503, {
          status,
          feed: store.feed,
          uptime_s: Math.round((ctx.now() - ctx.startedAt) / 100) / 10,
          last_update_age_ms: age === null ? null : Math.round(age),
          clients: ctx.hub.size(),
          pipeline: store.health(),
        });
      }
      case '/kpis/latest': {
        const latest = store.kpisLatest();
        return latest
          ? json(200, latest)
          : json(404, { error: 'no KPI window yet (the kpis view has not emitted)' });
      }
      case '/kpis': {
        const minutes = positiveNumber(url, 'minutes_back', 30, WEEK_MINUTES);
        const archive = ctx.kpiArchive;
        if (archive)
          return archive.kpis(minutes).then(
            (windows) => json(200, { minutes_back: minutes, windows }),
            (err: Error) =>
              json(503, { error: `the KPI store ${archive.description} did not answer: ${err.message}` }),
          );
        return json(200, { minutes_back: minutes, windows: store.kpis(minutes) });
      }
      case '/funnel':
        return json(200, store.funnel(positiveNumber(url, 'minutes_back', 5, WEEK_MINUTES)));
      case '/alerts': {
        const limit = positiveInt(url, 'limit', 50, store.alertCapacity);
        return json(200, { alerts: store.alerts(limit, severity(url)) });
      }
      case '/metrics':
        return {
          status: 200,
          contentType: 'text/plain; version=0.0.4; charset=utf-8',
          body: renderMetrics(store, ctx.hub.stats()),
        };
      default:
        return null;
    }
  } catch (err) {
    if (err instanceof BadParam) return json(400, { error: err.message });
    throw err;
  }
}

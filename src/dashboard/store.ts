import type { Alert, Severity, ViewResult } from '../events/results.js';
import { systemClock, type Clock } from '../time/clock.js';
import { DEFAULT_MONEY, type Money } from '../events/currency.js';
import { KpiHistory } from './kpi-history.js';
import { Ring } from './ring.js';
import {
  SEVERITY_RANK,
  type DashboardDelta,
  type DashboardSnapshot,
  type Geo,
  type HealthPoint,
  type HealthSample,
  type KpiRecord,
  type Tile,
  type TopContent,
  type TrafficPoint,
} from './types.js';
import {
  DASHBOARD_VIEWS,
  TILE_SOURCES,
  VIEW,
  countries,
  kpiRecord,
  topContent,
  trafficPoint,
} from './views.js';

export interface StoreOptions {
  /** Shown on the page ("in-process: embedded in-process log", "topics: kafka 127.0.0.1:9092"). */
  feed: string;
  /** Traffic series points kept (one per realtime window: 360 × 5 s = 30 min). */
  trafficPoints?: number;
  /** Health series points kept (one per second: 600 = 10 min). */
  healthPoints?: number;
  /** Alerts kept for /alerts. */
  alerts?: number;
  /** Alerts in a snapshot (the page's feed). */
  snapshotAlerts?: number;
  /** KPI windows kept for /kpis (1440 one-minute windows = 24 h). */
  kpiWindows?: number;
  /** Minutes the page's funnel covers. */
  funnelMinutes?: number;
  /** Rate table and reporting currency of the money tiles and KPI records (default: USD, fixed rates). */
  money?: Money;
  clock?: Clock;
}

interface ViewSlots {
  latestFinal: ViewResult | null;
  previousFinal: ViewResult | null;
  newestEarly: ViewResult | null;
  /**
   * End of the first final window seen: the data most likely began inside it (a run started mid-window,
   * a topic's retention cut), so it is no base for a change ("▲228%" against a partial minute).
   */
  firstFinalEnd: number | null;
}

type Section = 'tiles' | 'funnel' | 'top' | 'geo' | 'health';

/**
 * The dashboard's state: latest view results per tile, rolling series, KPI history, alerts and pipeline
 * health, all bounded. It is fed synchronously by the feed and read by the fan-out hub (snapshot / delta)
 * and the REST endpoints.
 */
export class DashboardStore {
  private views = new Map<string, ViewSlots>();
  private traffic: Ring<TrafficPoint>;
  private healthSeries: Ring<HealthPoint>;
  private alertRing: Ring<Alert>;
  private alertIds = new Set<string>();
  private history: KpiHistory;
  private latestHealth: HealthSample | null = null;
  private latestTop: TopContent | null = null;
  private latestGeo: Geo | null = null;
  private dirty = new Set<Section>();
  private pendingTraffic = new Map<number, TrafficPoint>();
  private pendingHealth: HealthPoint[] = [];
  private pendingAlerts: Alert[] = [];
  private readonly clock: Clock;
  private readonly money: Money;
  /** Wall time the feed last delivered anything. */
  lastDataAt: number | null = null;
  readonly counts = {
    results: 0,
    alerts: 0,
    ignoredResults: 0,
    duplicateAlerts: 0,
    bySeverity: { info: 0, warning: 0, critical: 0 } as Record<Severity, number>,
  };

  constructor(private readonly o: StoreOptions) {
    this.clock = o.clock ?? systemClock;
    this.money = o.money ?? DEFAULT_MONEY;
    this.traffic = new Ring(o.trafficPoints ?? 360);
    this.healthSeries = new Ring(o.healthPoints ?? 600);
    this.alertRing = new Ring(o.alerts ?? 500);
    this.history = new KpiHistory(o.kpiWindows ?? 1440);
  }

  get feed(): string {
    return this.o.feed;
  }

  private touch(): void {
    this.lastDataAt = this.clock.now();
  }

  onResult(r: ViewResult): void {
    this.touch();
    this.counts.results++;
    if (r.key !== '' || !DASHBOARD_VIEWS.includes(r.view)) {
      this.counts.ignoredResults++;
      return;
    }
    const slots = this.views.get(r.view) ?? {
      latestFinal: null,
      previousFinal: null,
      newestEarly: null,
      firstFinalEnd: null,
    };
    this.views.set(r.view, slots);
    if (r.emit === 'final') {
      slots.firstFinalEnd ??= r.window_end;
      const lf = slots.latestFinal;
      if (!lf || r.window_end > lf.window_end) {
        slots.previousFinal = lf;
        slots.latestFinal = r;
      } else if (r.window_end === lf.window_end) {
        slots.latestFinal = r; // a re-emission (late update) of the same window
      }
    } else if (!slots.newestEarly || r.window_end >= slots.newestEarly.window_end) {
      slots.newestEarly = r;
    }
    this.dirty.add('tiles');

    if (r.view === VIEW.realtime && r.emit === 'final') this.addTraffic(trafficPoint(r));
    if (r.view === VIEW.business && this.isNewest(r, this.latestTop)) {
      const partial = r.emit === 'early';
      this.latestTop = { window_start: r.window_start, window_end: r.window_end, partial, ...topContent(r) };
      this.latestGeo = {
        window_start: r.window_start,
        window_end: r.window_end,
        partial,
        countries: countries(r),
      };
      this.dirty.add('top').add('geo');
    }
    if (r.view === VIEW.kpis && this.history.upsert(kpiRecord(r, this.money))) this.dirty.add('funnel');
  }

  /** Lists show the newest window; a final of the same window replaces its early results. */
  private isNewest(r: ViewResult, current: { window_end: number; partial: boolean } | null): boolean {
    if (!current || r.window_end > current.window_end) return true;
    return r.window_end === current.window_end && (r.emit === 'final' || current.partial);
  }

  private addTraffic(p: TrafficPoint): void {
    const last = this.traffic.last();
    if (last && p.t < last.t) {
      // A late re-emission of a recent window replaces its point; anything older is off the chart.
      if (!this.traffic.replaceLast((x) => x.t === p.t, p)) return;
    } else if (last && p.t === last.t) this.traffic.replaceLast((x) => x.t === p.t, p, 1);
    else this.traffic.push(p);
    this.pendingTraffic.set(p.t, p);
  }

  onAlert(a: Alert): void {
    this.touch();
    if (this.alertIds.has(a.alert_id)) {
      this.counts.duplicateAlerts++; // at-least-once delivery from a topic can repeat an alert
      return;
    }
    this.counts.alerts++;
    if (a.severity in this.counts.bySeverity) this.counts.bySeverity[a.severity]++;
    this.alertIds.add(a.alert_id);
    const evicted = this.alertRing.push(a);
    if (evicted) this.alertIds.delete(evicted.alert_id);
    this.pendingAlerts.push(a);
    if (this.pendingAlerts.length > this.alertRing.capacity) this.pendingAlerts.shift();
  }

  onHealth(h: HealthSample): void {
    this.touch();
    this.latestHealth = h;
    const p: HealthPoint = {
      t: h.at,
      throughput: h.throughputPerSec,
      ingest_p99: h.latency.ingest?.p99 ?? null,
      e2e_p95: h.latency.e2e?.p95 ?? null,
      e2e_p99: h.latency.e2e?.p99 ?? null,
      lag: h.lag,
    };
    this.healthSeries.push(p);
    this.pendingHealth.push(p);
    if (this.pendingHealth.length > this.healthSeries.capacity) this.pendingHealth.shift();
    this.dirty.add('health');
  }

  tiles(): Tile[] {
    return TILE_SOURCES.map((src) => {
      const slots = this.views.get(src.view);
      const lf = slots?.latestFinal ?? null;
      const early = slots?.newestEarly ?? null;
      // The last complete window is the honest number; before the first one closes, the open window's
      // early result stands in, marked partial.
      const usePartial = !lf && early !== null;
      const cur = usePartial ? early : lf;
      const before = usePartial ? null : (slots?.previousFinal ?? null);
      const firstIsPartial = before !== null && before.window_end <= (slots?.firstFinalEnd ?? -Infinity);
      const prev = firstIsPartial ? null : before;
      return {
        id: src.id,
        label: src.label,
        format: src.format,
        ...(src.format === 'money' ? { currency: this.money.currency } : {}),
        ...(src.better ? { better: src.better } : {}),
        view: src.view,
        value: cur ? src.read(cur.fields, this.money) : null,
        previous: prev ? src.read(prev.fields, this.money) : null,
        window_start: cur?.window_start ?? null,
        window_end: cur?.window_end ?? null,
        partial: usePartial,
        ...(firstIsPartial ? { note: 'no change vs the first, partial window' } : {}),
      };
    });
  }

  snapshot(): DashboardSnapshot {
    return {
      feed: this.o.feed,
      tiles: this.tiles(),
      funnel: this.history.funnel(this.o.funnelMinutes ?? 5),
      top: this.latestTop,
      geo: this.latestGeo,
      health: this.latestHealth,
      series: { traffic: this.traffic.toArray(), health: this.healthSeries.toArray() },
      alerts: this.alertRing.newest(this.o.snapshotAlerts ?? 200).reverse(),
    };
  }

  /** What changed since the last call (null when nothing did); clears the pending changes. */
  takeDelta(): DashboardDelta | null {
    const d: DashboardDelta = {};
    if (this.dirty.has('tiles')) d.tiles = this.tiles();
    if (this.dirty.has('funnel')) d.funnel = this.history.funnel(this.o.funnelMinutes ?? 5);
    if (this.dirty.has('top') && this.latestTop) d.top = this.latestTop;
    if (this.dirty.has('geo') && this.latestGeo) d.geo = this.latestGeo;
    if (this.dirty.has('health') && this.latestHealth) d.health = this.latestHealth;
    if (this.pendingTraffic.size) d.traffic = [...this.pendingTraffic.values()].sort((a, b) => a.t - b.t);
    if (this.pendingHealth.length) d.healthPoints = this.pendingHealth;
    if (this.pendingAlerts.length) d.alerts = this.pendingAlerts;
    this.dirty.clear();
    this.pendingTraffic = new Map();
    this.pendingHealth = [];
    this.pendingAlerts = [];
    return Object.keys(d).length ? d : null;
  }

  health(): HealthSample | null {
    return this.latestHealth;
  }

  kpisLatest(): KpiRecord | null {
    return this.history.latest();
  }

  kpis(minutesBack: number): KpiRecord[] {
    return this.history.since(minutesBack);
  }

  funnel(minutesBack: number) {
    return this.history.funnel(minutesBack);
  }

  /** Newest first, at most `limit`, optionally only at or above a severity. */
  alerts(limit: number, minSeverity?: Severity): Alert[] {
    const all = this.alertRing.newest(this.alertRing.capacity);
    const filtered = minSeverity
      ? all.filter((a) => (SEVERITY_RANK[a.severity] ?? -1) >= SEVERITY_RANK[minSeverity])
      : all;
    return filtered.slice(0, limit);
  }

  get alertCapacity(): number {
    return this.alertRing.capacity;
  }

  /** Age of the newest data, ms; null before any. */
  ageMs(): number | null {
    return this.lastDataAt === null ? null : Math.max(0, this.clock.now() - this.lastDataAt);
  }

  sizes(): Record<string, number> {
    return {
      traffic: this.traffic.size,
      health: this.healthSeries.size,
      alerts: this.alertRing.size,
      kpiWindows: this.history.size,
    };
  }
}

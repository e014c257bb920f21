import { distinct } from '../aggregations.js';
import type { resolveEngineConfig, ViewName } from '../config.js';
import { hopping, tumbling } from '../windows.js';
import { businessView } from './business.js';
import { eventflowFunnelView, eventflowOrdersView, eventflowRevenueView } from './eventflow.js';
import { kpisView } from './kpis.js';
import { productsView } from './products.js';
import { realtimeView } from './realtime.js';
import { sessionsView } from './sessions.js';
import type { ViewContext, ViewSpec } from './spec.js';

/** Accumulator types differ per view; the runtimes only pass them back to the view's own functions. */
const erase = <A>(s: ViewSpec<A>): ViewSpec => s as unknown as ViewSpec;

/** The result views of the selected views, in VIEW_NAMES order (which is also the emission order). */
export function buildViews(cfg: ReturnType<typeof resolveEngineConfig>): ViewSpec[] {
  const ctx: ViewContext = {
    topN: cfg.topN,
    distinct: distinct(cfg.distinct, cfg.hllPrecision),
    journeyLimit: cfg.journeyLimit,
  };
  const w = cfg.windows;
  const build: Record<ViewName, () => ViewSpec[]> = {
    realtime: () => [erase(realtimeView(ctx, w.realtime))],
    business: () => [erase(businessView(ctx, w.business))],
    sessions: () => [erase(sessionsView(ctx, cfg.sessionGapMs))],
    kpis: () => [erase(kpisView(ctx, w.kpis))],
    products: () => [
      erase(productsView('products.tumbling', tumbling(w.productsTumbling, 'products.tumbling window'))),
      erase(
        productsView(
          'products.hopping',
          hopping(w.productsHoppingSize, w.productsHoppingStep, 'products.hopping window'),
        ),
      ),
    ],
    eventflow: () => [
      erase(eventflowOrdersView()),
      erase(eventflowRevenueView(w.eventflow)),
      erase(eventflowFunnelView(w.eventflow)),
    ],
  };
  const selected = new Set(cfg.views);
  const order: ViewName[] = ['realtime', 'business', 'sessions', 'kpis', 'products', 'eventflow'];
  return order.filter((n) => selected.has(n)).flatMap((n) => build[n]());
}

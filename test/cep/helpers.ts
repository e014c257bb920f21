import assert from 'node:assert/strict';
import type { Alert } from '../../src/events/results.js';
import type { AnalyticsEvent, ConversionEvent, ConversionType } from '../../src/events/types.js';
import { CepSyntaxError, createCep, parsePatterns, type Cep, type CepOptions } from '../../src/cep/index.js';

/** Test events: only what the patterns under test read; the rest are fixed plausible values. */
let counter = 0;

function base(user: string, t: number, id?: string) {
  return {
    event_id: id ?? `e${++counter}`,
    user_id: user,
    session_id: `s-${user}`,
    event_time: t,
    intended_send_time: t + 1,
    user_type: 'regular' as const,
    country: 'US',
    device: 'desktop' as const,
  };
}

export function conversion(
  type: ConversionType,
  user: string,
  t: number,
  extra: Partial<ConversionEvent> = {},
): ConversionEvent {
  return {
    ...base(user, t),
    event_type: 'conversion',
    conversion_type: type,
    product_id: 'p1',
    product_category: 'books',
    revenue: 10,
    currency: 'USD',
    order_id: null,
    card_id: null,
    ...extra,
  };
}

export function pageView(user: string, t: number, depth = 1): AnalyticsEvent {
  return {
    ...base(user, t),
    event_type: 'page_view',
    page_url: `/p/${depth}`,
    page_title: 'P',
    content_category: 'home',
    referrer: null,
    page_depth: depth,
    time_on_previous_page_ms: 0,
  };
}

export function login(user: string, t: number, userType: 'premium' | 'regular' = 'regular'): AnalyticsEvent {
  return { ...base(user, t), user_type: userType, event_type: 'user_event', action: 'LOGIN' };
}

export function viewProduct(user: string, t: number, category = 'electronics', price = 100): AnalyticsEvent {
  return {
    ...base(user, t),
    event_type: 'product_view',
    product_id: 'p9',
    product_category: category,
    price,
    currency: 'USD',
  };
}

export function session(
  action: 'start' | 'end' | 'timeout',
  user: string,
  t: number,
  idleMs = 0,
): AnalyticsEvent {
  return {
    ...base(user, t),
    event_type: 'session',
    session_id: `s-${user}`,
    action,
    page_count: 1,
    duration_ms: 0,
    idle_time_ms: idleMs,
    landing_page: '/',
  };
}

/** A CEP over the given .cep text that records alerts; `ids()` lists matched event ids per alert. */
export function harness(text: string, options: CepOptions = {}) {
  const alerts: Alert[] = [];
  const cep: Cep = createCep(parsePatterns(text, 'test.cep'), { alert: (a) => alerts.push(a) }, options);
  return {
    cep,
    alerts,
    /** Feeds events in the given order, then moves the watermark to `wm` (default: past everything). */
    run(events: AnalyticsEvent[], wm = Infinity) {
      for (const e of events) cep.process(e, 0);
      cep.advanceWatermark(wm, 0);
      return alerts.map((a) => a.events.map((r) => `${r.variable}:${r.event_id}`).join(' '));
    },
  };
}

/** The located error that loading `text` (as f.cep) must raise. */
export function loadError(text: string): CepSyntaxError {
  try {
    parsePatterns(text, 'f.cep');
  } catch (e) {
    assert.ok(e instanceof CepSyntaxError, String(e));
    return e;
  }
  assert.fail(`expected an error loading: ${text}`);
}

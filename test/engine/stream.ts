/**
 * A small seeded stream generator for the engine tests (independent of src/simulator): users browsing,
 * carting, buying, both event families (000 and 002), across partitions keyed like the reference
 * (user_id; session lifecycle events by session_id), with out-of-order, late and duplicate deliveries.
 */
import type { AnalyticsEvent } from '../../src/events/types.js';
import { mulberry32 as rng } from '../helpers/random.js';

export interface Arrival {
  event: AnalyticsEvent;
  topic: string;
  partition: number;
  offset: number;
  /** Wall time at which the engine receives it. */
  wall: number;
}

export interface StreamOptions {
  seed: number;
  events: number;
  users: number;
  partitions: number;
  start?: number;
  /** Mean event-time spacing, ms. */
  spacingMs?: number;
  /** Share delivered up to `disorderMs` late (within the watermark bound). */
  outOfOrder?: number;
  disorderMs?: number;
  /** Share delivered `lateMs`..2*lateMs after their event time (beyond the watermark). */
  late?: number;
  lateMs?: number;
  /** Share delivered twice. */
  duplicates?: number;
}

function hash(s: string): number {
  let h = 7;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return Math.abs(h);
}

const COUNTRIES = ['US', 'DE', 'FR', 'BR', 'IN', 'JP'];
const CURRENCIES = ['USD', 'EUR', 'GBP'];
const PAGES = ['/', '/home', '/search', '/blog/a', '/blog/b', '/deals', '/help'];

export function generateStream(o: StreamOptions): Arrival[] {
  const r = rng(o.seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const start = o.start ?? 1_700_000_000_000;
  const spacing = o.spacingMs ?? 20;
  const events: AnalyticsEvent[] = [];
  const sessionOf = new Map<string, { id: string; pages: number; started: number }>();
  let t = start;
  for (let i = 0; i < o.events; i++) {
    t += Math.floor(r() * spacing * 2);
    const u = Math.floor(Math.pow(r(), 1.5) * o.users); // skewed: some users are much busier
    const user_id = `u${u}`;
    let s = sessionOf.get(user_id);
    if (!s || r() < 0.03) {
      s = { id: `s${i}`, pages: 0, started: t };
      sessionOf.set(user_id, s);
    }
    const base = {
      event_id: `e${i}`,
      user_id,
      session_id: s.id as string | null,
      event_time: t,
      intended_send_time: t + Math.floor(r() * 5),
      user_type: u % 7 === 0 ? ('premium' as const) : u % 3 === 0 ? ('new' as const) : ('regular' as const),
      country: COUNTRIES[u % COUNTRIES.length],
      device: 'desktop' as const,
    };
    const product = `p${Math.floor(Math.pow(r(), 2) * 30)}`;
    const currency = CURRENCIES[u % CURRENCIES.length];
    const price = Math.round(r() * 50000) / 100;
    const x = r();
    let e: AnalyticsEvent;
    if (x < 0.35) {
      s.pages++;
      e = {
        ...base,
        session_id: s.id,
        event_type: 'page_view',
        page_url: pick(PAGES),
        page_title: 't',
        content_category: 'c',
        referrer: null,
        page_depth: s.pages,
        time_on_previous_page_ms: 0,
      };
    } else if (x < 0.55) {
      e = {
        ...base,
        event_type: 'product_view',
        product_id: product,
        product_category: 'cat',
        price,
        currency,
      };
    } else if (x < 0.65) {
      const conversion_type = pick(['add_to_cart', 'checkout', 'purchase', 'signup'] as const);
      const buying = conversion_type === 'purchase';
      e = {
        ...base,
        event_type: 'conversion',
        conversion_type,
        product_id: conversion_type === 'signup' ? null : product,
        product_category: null,
        revenue: conversion_type === 'signup' ? null : price,
        currency: conversion_type === 'signup' ? null : currency,
        order_id: buying ? `o${i}` : null,
        card_id: null,
      };
    } else if (x < 0.75) {
      e = {
        ...base,
        event_type: 'order',
        order_id: `o${i}`,
        product_id: product,
        product_category: 'cat',
        price,
        quantity: 1 + Math.floor(r() * 3),
        currency,
        card_id: 'c',
      };
    } else if (x < 0.87) {
      const action = pick(['start', 'end', 'timeout'] as const);
      e = {
        ...base,
        session_id: s.id,
        event_type: 'session',
        action,
        page_count: action === 'start' ? 0 : s.pages,
        duration_ms: action === 'start' ? 0 : t - s.started,
        idle_time_ms: 0,
        landing_page: null,
      };
    } else if (x < 0.95) {
      e = {
        ...base,
        session_id: r() < 0.5 ? null : s.id,
        event_type: 'user_event',
        action: pick(['LOGIN', 'LOGOUT', 'SIGNUP'] as const),
      };
    } else {
      e = { ...base, event_type: 'custom', name: pick(['search', 'share']), properties: { q: 'x' } };
    }
    events.push(e);
  }
  // Delivery: normal small delay, some out of order, some late, some twice.
  const deliveries: { e: AnalyticsEvent; at: number; seq: number }[] = [];
  let seq = 0;
  for (const e of events) {
    const y = r();
    let delay = Math.floor(r() * 50);
    if (y < (o.late ?? 0)) delay = (o.lateMs ?? 10_000) * (1 + r());
    else if (y < (o.late ?? 0) + (o.outOfOrder ?? 0)) delay = Math.floor(r() * (o.disorderMs ?? 1500));
    deliveries.push({ e, at: e.event_time + Math.floor(delay), seq: seq++ });
    if (r() < (o.duplicates ?? 0))
      deliveries.push({ e: { ...e }, at: e.event_time + Math.floor(r() * 3000), seq: seq++ });
  }
  deliveries.sort((a, b) => a.at - b.at || a.seq - b.seq);
  const offsets = new Map<number, number>();
  return deliveries.map(({ e, at }) => {
    const key = e.event_type === 'session' ? e.session_id : e.user_id;
    const partition = hash(key) % o.partitions;
    const offset = offsets.get(partition) ?? 0;
    offsets.set(partition, offset + 1);
    return { event: e, topic: 'website-analytics-events', partition, offset, wall: at };
  });
}

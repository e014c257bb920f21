/**
 * The event model shared by every stage. Field names follow the reference documents (snake_case, as in
 * the Avro schemas under fixtures/schemas). All times are epoch milliseconds.
 */

export const EVENT_TYPES = [
  'page_view',
  'session',
  'conversion',
  'custom',
  'user_event',
  'product_view',
  'order',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type UserType = 'premium' | 'regular' | 'new';
export type Device = 'desktop' | 'mobile' | 'tablet';

/** Fields every event carries. */
export interface EventBase {
  event_id: string;
  event_type: EventType;
  user_id: string;
  /** Null for events that do not belong to a browsing session (e.g. EventFlow's LOGOUT). */
  session_id: string | null;
  /** Event time: when it happened on the site. Windows and watermarks use this. */
  event_time: number;
  /**
   * When the open-loop schedule intended to send it (DESIGN.md, "Latency"). Every latency is measured from
   * this, so a stalled producer cannot hide its delay (coordinated omission).
   */
  intended_send_time: number;
  user_type: UserType;
  country: string;
  device: Device;
}

export interface PageViewEvent extends EventBase {
  event_type: 'page_view';
  page_url: string;
  page_title: string;
  content_category: string;
  referrer: string | null;
  /** 1-based position of this view within its session. */
  page_depth: number;
  /** Time spent on the previous page of the session, ms (0 for the first page). */
  time_on_previous_page_ms: number;
}

export type SessionAction = 'start' | 'end' | 'timeout';
export interface SessionEvent extends EventBase {
  event_type: 'session';
  session_id: string;
  action: SessionAction;
  /** Pages viewed so far in the session (0 at start). */
  page_count: number;
  /** Session duration so far, ms (0 at start). */
  duration_ms: number;
  /** For `timeout`: how long the session was idle before it timed out, ms; 0 otherwise. */
  idle_time_ms: number;
  landing_page: string | null;
}

export type ConversionType = 'signup' | 'add_to_cart' | 'checkout' | 'purchase';
export interface ConversionEvent extends EventBase {
  event_type: 'conversion';
  conversion_type: ConversionType;
  product_id: string | null;
  product_category: string | null;
  /** Revenue for `purchase` (and the cart value for add_to_cart / checkout); null for signup. */
  revenue: number | null;
  currency: string | null;
  order_id: string | null;
  /** Payment card fingerprint for purchases (fraud rules); null otherwise. */
  card_id: string | null;
}

export interface CustomEvent extends EventBase {
  event_type: 'custom';
  name: string;
  properties: Record<string, string>;
}

export type UserAction = 'LOGIN' | 'LOGOUT' | 'SIGNUP';
export interface UserEvent extends EventBase {
  event_type: 'user_event';
  action: UserAction;
}

export interface ProductViewEvent extends EventBase {
  event_type: 'product_view';
  product_id: string;
  product_category: string;
  price: number;
  currency: string;
}

export interface OrderEvent extends EventBase {
  event_type: 'order';
  order_id: string;
  product_id: string;
  product_category: string;
  price: number;
  quantity: number;
  currency: string;
  card_id: string;
}

export type AnalyticsEvent =
  PageViewEvent | SessionEvent | ConversionEvent | CustomEvent | UserEvent | ProductViewEvent | OrderEvent;

export type EventOf<T extends EventType> = Extract<AnalyticsEvent, { event_type: T }>;

/**
 * The name a pattern uses for an event: the reference CEP syntax says `login`, `view_product`,
 * `add_to_cart`, `session_start`, `session_timeout`, `page_view`, `purchase`...
 */
export function eventKind(e: AnalyticsEvent): string {
  switch (e.event_type) {
    case 'page_view':
      return 'page_view';
    case 'session':
      return sessionKind(e.action);
    case 'conversion':
      return e.conversion_type;
    case 'custom':
      return customKind(e.name);
    case 'user_event':
      return userEventKind(e.action);
    case 'product_view':
      return 'view_product';
    case 'order':
      return 'order';
  }
}

const customKinds = new Map<string, string>();

/**
 * A custom event's kind is `custom:NAME` everywhere (views' counts_by_type, journeys, patterns, alerts):
 * a custom event named `purchase` must not pass for a real purchase. Cached: one string per name.
 */
function customKind(name: string): string {
  let kind = customKinds.get(name);
  if (kind === undefined) {
    kind = `custom:${name}`;
    if (customKinds.size < 10_000) customKinds.set(name, kind);
  }
  return kind;
}

// The engine and CEP ask for the kind of every event: constant strings for the known actions avoid building
// (and then hashing, as Map keys) a new string per event. Unknown values keep the general formula.
function sessionKind(action: string): string {
  switch (action) {
    case 'start':
      return 'session_start';
    case 'end':
      return 'session_end';
    case 'timeout':
      return 'session_timeout';
    default:
      return `session_${action}`;
  }
}

function userEventKind(action: string): string {
  switch (action) {
    case 'LOGIN':
      return 'login';
    case 'LOGOUT':
      return 'logout';
    case 'SIGNUP':
      return 'signup';
    default:
      return action.toLowerCase();
  }
}

/** The partition key of an event: user_id, except session lifecycle events, keyed by session_id (000). */
export function eventKey(e: AnalyticsEvent, sessionKey: 'session_id' | 'user_id' = 'session_id'): string {
  if (e.event_type === 'session' && sessionKey === 'session_id') return e.session_id;
  return e.user_id;
}

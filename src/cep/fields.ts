import type {
  ConversionEvent,
  CustomEvent,
  EventType,
  OrderEvent,
  PageViewEvent,
  ProductViewEvent,
  SessionEvent,
  UserEvent,
} from '../events/types.js';

/**
 * What the pattern checker knows about events: which event type each kind name (eventKind) comes from and
 * which fields each type has, so a misspelt kind or field is reported at load time rather than silently
 * never matching.
 */

// `Exhaustive` makes the compiler reject a list that misses a field of the interface (or names one it lacks).
type Exhaustive<T, L extends readonly (keyof T)[]> = Exclude<keyof T, L[number]> extends never ? L : never;
function fieldsOf<T>() {
  return <const L extends readonly (keyof T)[]>(list: Exhaustive<T, L>): readonly string[] =>
    list as readonly string[];
}

const BASE = [
  'event_id',
  'event_type',
  'user_id',
  'session_id',
  'event_time',
  'intended_send_time',
  'user_type',
  'country',
  'device',
] as const;

export const FIELDS: Record<EventType, readonly string[]> = {
  page_view: fieldsOf<PageViewEvent>()([
    ...BASE,
    'page_url',
    'page_title',
    'content_category',
    'referrer',
    'page_depth',
    'time_on_previous_page_ms',
  ]),
  session: fieldsOf<SessionEvent>()([
    ...BASE,
    'action',
    'page_count',
    'duration_ms',
    'idle_time_ms',
    'landing_page',
  ]),
  conversion: fieldsOf<ConversionEvent>()([
    ...BASE,
    'conversion_type',
    'product_id',
    'product_category',
    'revenue',
    'currency',
    'order_id',
    'card_id',
  ]),
  custom: fieldsOf<CustomEvent>()([...BASE, 'name', 'properties']),
  user_event: fieldsOf<UserEvent>()([...BASE, 'action']),
  product_view: fieldsOf<ProductViewEvent>()([
    ...BASE,
    'product_id',
    'product_category',
    'price',
    'currency',
  ]),
  order: fieldsOf<OrderEvent>()([
    ...BASE,
    'order_id',
    'product_id',
    'product_category',
    'price',
    'quantity',
    'currency',
    'card_id',
  ]),
};

/** Every kind eventKind() can return for a non-custom event, with the event type(s) it comes from. */
export const KNOWN_KINDS: Record<string, EventType[]> = {
  page_view: ['page_view'],
  session_start: ['session'],
  session_end: ['session'],
  session_timeout: ['session'],
  signup: ['conversion', 'user_event'],
  add_to_cart: ['conversion'],
  checkout: ['conversion'],
  purchase: ['conversion'],
  login: ['user_event'],
  logout: ['user_event'],
  view_product: ['product_view'],
  order: ['order'],
};

/** Fields of all event types; used when a variable accepts any event (ANY) or a custom event. */
export const ALL_FIELDS: ReadonlySet<string> = new Set(Object.values(FIELDS).flat());

/**
 * The field a pattern name refers to for the given kinds, or null when none of them has it. The reference
 * syntax writes `C.idle_time > 5 MINUTES` while the event model stores milliseconds as `idle_time_ms`:
 * a name without the `_ms` suffix resolves to the `_ms` field when only that one exists.
 */
export function resolveField(name: string, kinds: string[] | null): string | null {
  // ANY and custom events: custom properties are open-ended, so any name is accepted.
  if (kinds === null || kinds.some((k) => !(k in KNOWN_KINDS)))
    return ALL_FIELDS.has(name) || !ALL_FIELDS.has(`${name}_ms`) ? name : `${name}_ms`;
  const types = kinds.flatMap((k) => KNOWN_KINDS[k]);
  if (types.some((t) => FIELDS[t].includes(name))) return name;
  if (types.some((t) => FIELDS[t].includes(`${name}_ms`))) return `${name}_ms`;
  return null;
}

export function fieldsForKinds(kinds: string[]): string[] {
  return [...new Set(kinds.flatMap((k) => (KNOWN_KINDS[k] ?? []).flatMap((t) => FIELDS[t])))];
}

import { EVENT_TYPES } from '../events/types.js';
import type {
  ConversionEvent,
  ConversionType,
  CustomEvent,
  Device,
  EventType,
  OrderEvent,
  PageViewEvent,
  ProductViewEvent,
  SessionAction,
  SessionEvent,
  UserAction,
  UserEvent,
  UserType,
} from '../events/types.js';

/**
 * What the pattern checker knows about events: which event type each kind name (eventKind) comes from and
 * which fields each type has, with their types, so a misspelt kind or field, or a comparison that can never
 * hold (`A.user_type > 5`), is reported at load time rather than silently never matching.
 */

/** A field's type: number, string (with the only values validation accepts, if it is an enumeration), object. */
export type FieldType = 'number' | 'string' | 'object' | readonly string[];

// The catalogue must list every field of each interface with a type matching it: the compiler rejects a
// missing field, an extra one, or `'number'` for a string field.
type TypeOf<V> = [V] extends [number]
  ? 'number'
  : [V] extends [string]
    ? string extends V
      ? 'string'
      : readonly V[]
    : 'object';
type Catalogue<T> = { readonly [K in keyof T]-?: TypeOf<NonNullable<T[K]>> };
const typesOf =
  <T>() =>
  (c: Catalogue<T>): Readonly<Record<string, FieldType>> =>
    c as Readonly<Record<string, FieldType>>;

/** The complete list of an enumeration's values (the compiler rejects a list that misses one). */
const allOf =
  <U extends string>() =>
  <const L extends readonly U[]>(list: Exclude<U, L[number]> extends never ? L : never): L =>
    list;

const BASE = {
  event_id: 'string',
  user_id: 'string',
  session_id: 'string',
  event_time: 'number',
  intended_send_time: 'number',
  user_type: allOf<UserType>()(['premium', 'regular', 'new']),
  country: 'string',
  device: allOf<Device>()(['desktop', 'mobile', 'tablet']),
} as const;
const eventType = <T extends EventType>(t: T) => [t] as const;

export const FIELD_TYPES: Record<EventType, Readonly<Record<string, FieldType>>> = {
  page_view: typesOf<PageViewEvent>()({
    event_type: eventType('page_view'),
    ...BASE,
    page_url: 'string',
    page_title: 'string',
    content_category: 'string',
    referrer: 'string',
    page_depth: 'number',
    time_on_previous_page_ms: 'number',
  }),
  session: typesOf<SessionEvent>()({
    event_type: eventType('session'),
    ...BASE,
    action: allOf<SessionAction>()(['start', 'end', 'timeout']),
    page_count: 'number',
    duration_ms: 'number',
    idle_time_ms: 'number',
    landing_page: 'string',
  }),
  conversion: typesOf<ConversionEvent>()({
    event_type: eventType('conversion'),
    ...BASE,
    conversion_type: allOf<ConversionType>()(['signup', 'add_to_cart', 'checkout', 'purchase']),
    product_id: 'string',
    product_category: 'string',
    revenue: 'number',
    currency: 'string',
    order_id: 'string',
    card_id: 'string',
  }),
  custom: typesOf<CustomEvent>()({
    event_type: eventType('custom'),
    ...BASE,
    name: 'string',
    properties: 'object',
  }),
  user_event: typesOf<UserEvent>()({
    event_type: eventType('user_event'),
    ...BASE,
    action: allOf<UserAction>()(['LOGIN', 'LOGOUT', 'SIGNUP']),
  }),
  product_view: typesOf<ProductViewEvent>()({
    event_type: eventType('product_view'),
    ...BASE,
    product_id: 'string',
    product_category: 'string',
    price: 'number',
    currency: 'string',
  }),
  order: typesOf<OrderEvent>()({
    event_type: eventType('order'),
    ...BASE,
    order_id: 'string',
    product_id: 'string',
    product_category: 'string',
    price: 'number',
    quantity: 'number',
    currency: 'string',
    card_id: 'string',
  }),
};

export const FIELDS: Record<EventType, readonly string[]> = Object.fromEntries(
  Object.entries(FIELD_TYPES).map(([t, f]) => [t, Object.keys(f)]),
) as unknown as Record<EventType, readonly string[]>;

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

/**
 * The types field `name` (as resolveField returned it) has on events of these kinds (null = ANY): one per
 * event type that has it, and string when a custom event can carry it as a property.
 */
export function fieldTypes(name: string, kinds: string[] | null): FieldType[] {
  const types: EventType[] = kinds
    ? [...new Set(kinds.flatMap((k) => KNOWN_KINDS[k] ?? (['custom'] as const)))]
    : [...EVENT_TYPES];
  const out = types.filter((t) => Object.hasOwn(FIELD_TYPES[t], name)).map((t) => FIELD_TYPES[t][name]);
  if (types.includes('custom') && !Object.hasOwn(FIELD_TYPES.custom, name)) out.push('string');
  return out;
}

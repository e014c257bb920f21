import type { AnalyticsEvent, EventType } from './types.js';

/** Categories of rejection, stable for counters and dashboards (the message carries the detail). */
export type InvalidEventCode =
  | 'empty'
  | 'truncated'
  | 'bad_magic'
  | 'unknown_schema'
  | 'schema_mismatch'
  | 'trailing_bytes'
  | 'invalid_json'
  | 'invalid_field';

/** Why an input was rejected; carried to the dead-letter path. */
export class InvalidEventError extends Error {
  readonly code: InvalidEventCode;
  constructor(
    readonly reason: string,
    readonly field?: string,
    code?: InvalidEventCode,
  ) {
    super(field ? `${field}: ${reason}` : reason);
    this.name = 'InvalidEventError';
    this.code = code ?? 'invalid_field';
  }

  /** Counter bucket: the code, and the field for field problems (`invalid_field:price`). */
  get bucket(): string {
    return this.code === 'invalid_field' && this.field ? `invalid_field:${this.field}` : this.code;
  }
}

type Check = (v: unknown) => string | null;
const str: Check = (v) => (typeof v === 'string' && v.length > 0 ? null : 'expected a non-empty string');
const optStr: Check = (v) => (v === null || typeof v === 'string' ? null : 'expected a string or null');
const time: Check = (v) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
    ? null
    : 'expected epoch milliseconds (integer >= 0)';
const nonNegInt: Check = (v) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? null : 'expected an integer >= 0';
const posInt: Check = (v) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 ? null : 'expected an integer >= 1';
const money: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? null : 'expected a finite amount >= 0';
const optMoney: Check = (v) => (v === null ? null : money(v));
const currency: Check = (v) =>
  typeof v === 'string' && /^[A-Z]{3}$/.test(v) ? null : 'expected an ISO 4217 code like EUR';
const optCurrency: Check = (v) => (v === null ? null : currency(v));
const oneOf =
  (...allowed: string[]): Check =>
  (v) =>
    typeof v === 'string' && allowed.includes(v) ? null : `expected one of ${allowed.join(', ')}`;
const stringMap: Check = (v) =>
  v !== null &&
  typeof v === 'object' &&
  !Array.isArray(v) &&
  Object.values(v).every((x) => typeof x === 'string')
    ? null
    : 'expected an object of string values';

const BASE: Record<string, Check> = {
  event_id: str,
  user_id: str,
  session_id: optStr,
  event_time: time,
  intended_send_time: time,
  user_type: oneOf('premium', 'regular', 'new'),
  country: str,
  device: oneOf('desktop', 'mobile', 'tablet'),
};

const BY_TYPE: Record<EventType, Record<string, Check>> = {
  page_view: {
    session_id: str,
    page_url: str,
    page_title: optStr,
    content_category: str,
    referrer: optStr,
    page_depth: posInt,
    time_on_previous_page_ms: nonNegInt,
  },
  session: {
    session_id: str,
    action: oneOf('start', 'end', 'timeout'),
    page_count: nonNegInt,
    duration_ms: nonNegInt,
    idle_time_ms: nonNegInt,
    landing_page: optStr,
  },
  conversion: {
    conversion_type: oneOf('signup', 'add_to_cart', 'checkout', 'purchase'),
    product_id: optStr,
    product_category: optStr,
    revenue: optMoney,
    currency: optCurrency,
    order_id: optStr,
    card_id: optStr,
  },
  custom: { name: str, properties: stringMap },
  user_event: { action: oneOf('LOGIN', 'LOGOUT', 'SIGNUP') },
  product_view: { product_id: str, product_category: str, price: money, currency },
  order: {
    order_id: str,
    product_id: str,
    product_category: str,
    price: money,
    quantity: posInt,
    currency,
    card_id: str,
  },
};

function invalid(field: string, problem: string | null, x: unknown): never {
  throw new InvalidEventError(problem === null ? 'missing' : `${problem}, got ${JSON.stringify(x)}`, field);
}

/**
 * One function per event type running its checks in order (the base checks, then the type's own). Generated
 * so that each field is read by name at its own site: a site then sees one object shape and the read is
 * monomorphic, where a loop doing v[field] over every type's fields is megamorphic, and allocates a number
 * for every epoch-ms field it reads (this runs for every event).
 */
function compile(checks: [string, Check][]): (v: Record<string, unknown>) => void {
  const body = checks
    .map(([field], i) => {
      const f = JSON.stringify(field);
      return `x = v[${f}]; if (x === undefined && !(${f} in v)) invalid(${f}, null, x); p = c[${i}](x); if (p) invalid(${f}, p, x);`;
    })
    .join('\n');
  const make = new Function('c', 'invalid', `return function check(v) {\nlet x, p;\n${body}\n};`);
  return make(
    checks.map(([, check]) => check),
    invalid,
  );
}

const CHECKS = Object.fromEntries(
  (Object.keys(BY_TYPE) as EventType[]).map((t) => [t, compile(Object.entries({ ...BASE, ...BY_TYPE[t] }))]),
) as Record<EventType, (v: Record<string, unknown>) => void>;

/**
 * Checks a decoded value against the event model and returns it typed. Throws InvalidEventError naming the
 * first offending field, so the dead-letter record says exactly what was wrong.
 */
export function validateEvent(value: unknown): AnalyticsEvent {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidEventError('expected a JSON object', undefined, 'invalid_json');
  }
  const v = value as Record<string, unknown>;
  const type = v.event_type;
  const check = typeof type === 'string' ? CHECKS[type as EventType] : undefined;
  if (!check || !Object.hasOwn(CHECKS, type as string)) {
    throw new InvalidEventError(`unknown event type ${JSON.stringify(type)}`, 'event_type');
  }
  check(v);
  if (
    type === 'conversion' &&
    v.conversion_type === 'purchase' &&
    (v.revenue === null || v.currency === null)
  ) {
    throw new InvalidEventError('a purchase needs revenue and currency', 'revenue');
  }
  return v as unknown as AnalyticsEvent;
}

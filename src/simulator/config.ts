import { UsageError } from '../errors.js';
import type { Encoding } from '../events/codec.js';
import { TOPICS } from '../transport/topics.js';

export type TrafficProfile = 'website' | 'eventflow';

/** Where each event type goes (000 and 002); every name is configurable. */
export interface SimulatorTopics {
  /** page_view, session, conversion, custom. */
  events: string;
  /** user_event. */
  userEvents: string;
  /** product_view. */
  productView: string;
  /** order. */
  orders: string;
}

/** A recurring episode: `durationMs` out of every `everyMs` of event time, starting `everyMs - durationMs` in. */
export interface Episode {
  everyMs: number;
  durationMs: number;
}

/**
 * Every knob of the traffic model, documented in docs/simulator.md. Shares are in [0, 1]; times in ms.
 */
export interface SimulatorConfig {
  seed: number;
  /** 'website': sessions producing all seven event types; 'eventflow': 002's 40/40/20 producer. */
  profile: TrafficProfile;
  users: number;
  /** Share of users who are power users. */
  powerUserShare: number;
  /** Share of sessions (website) or events (eventflow) that power users produce (002: 40 %). */
  powerTrafficShare: number;
  premiumShare: number;
  /** Share of users who are new (may SIGNUP on their first session). */
  newUserShare: number;
  products: number;
  pages: number;
  /** Products in the "popular" set of 002. */
  popularProducts: number;
  /** Share of product views that go to the popular set (002: 40 %); the rest follow a Zipf law. */
  popularProductShare: number;
  /** Zipf exponents of product and page popularity. */
  productZipf: number;
  pageZipf: number;

  // website sessions
  /** Share of single-page sessions (bounces). */
  bounceShare: number;
  /** Mean page views of a non-bounce session (geometric, at least 2). */
  meanPagesPerSession: number;
  /** Mean think time between two pages of a session (exponential). */
  meanDwellMs: number;
  /** Share of pages after the landing page that are product pages (page_view + product_view). */
  productPageShare: number;
  /** Per product view: the product goes into the cart. */
  addToCartRate: number;
  /** Per session with a cart: the user checks out. */
  checkoutRate: number;
  /** Per checkout: the payment succeeds (purchase conversion + order). */
  purchaseRate: number;
  /** Per session of a registered user: LOGIN at the start. */
  loginShare: number;
  /** Per logged-in session: LOGOUT (and an explicit session end) at the end. */
  logoutShare: number;
  /** Per first session of a new user: SIGNUP (user_event + signup conversion). */
  signupRate: number;
  /** Per page view: a custom event (search, video_play, ...). */
  customEventShare: number;
  /** Share of premium users' product views that go to electronics (the high-value CEP pattern). */
  premiumElectronicsShare: number;
  /** Per session not ended by LOGOUT: an explicit session end; the rest time out. */
  sessionEndShare: number;
  /** Inactivity after which a session times out (a session_timeout carries the idle time). */
  sessionTimeoutMs: number;
  /** Bounce spikes: during the episode new sessions bounce with `share` (the high-bounce CEP rule). */
  bounceSpike: (Episode & { share: number }) | null;
  /** Per purchasing user: a fraud episode of several purchases from different countries and cards. */
  fraudShare: number;
  /**
   * Start with sessions already in progress (as if the site had been running), sized for this rate, so
   * the first seconds are not all session starts. 0 = cold start.
   */
  warmStartRatePerSec: number;

  // eventflow
  /** EventFlow mix weights (002: 40/40/20). */
  mix: { userEvents: number; productViews: number; orders: number };
  /** Per order: it is for a product the user viewed recently (view → order funnel). */
  orderFromViewShare: number;

  // faults
  /** Share of events sent late: event_time earlier than the intended send time by a random delay. */
  lateShare: number;
  /** Largest delay of a late event (uniform in [1, lateDelayMs], or exponential capped there). */
  lateDelayMs: number;
  lateDelayDistribution: 'uniform' | 'exponential';
  /** Share of records that re-send a recently sent event (same event_id, same bytes). */
  duplicateShare: number;
  /** Share of records that are malformed (each with the reason a decoder rejects it for). */
  malformedShare: number;

  /**
   * Independent parts of the stream (sharding.ts): each has its own users, sessions and random streams,
   * and its keys land on its own partitions of every topic whose partition count it divides. Event i of
   * the schedule belongs to shard i mod shards. Threads generate whole shards, so the stream is the same
   * for any thread count; 1 reproduces the stream of an unsharded generator.
   */
  shards: number;
  /** Event time of the first event of unpaced generation (live runs use the wall clock instead). */
  startTime: number;
  topics: SimulatorTopics;
  encoding: Encoding;
}

/**
 * Shards of the default stream: the greatest common divisor of the reference topology's partition counts
 * (12 and 3), so every shard owns whole partitions of every topic the simulator writes.
 */
export const DEFAULT_SHARDS = 3;

/** The fixed epoch of unpaced generation: 2024-01-01T00:00:00Z, so recordings are reproducible. */
export const DEFAULT_START_TIME = Date.UTC(2024, 0, 1);

export function defaultSimulatorConfig(): SimulatorConfig {
  return {
    seed: 42,
    profile: 'website',
    users: 10_000,
    powerUserShare: 0.05,
    powerTrafficShare: 0.4,
    premiumShare: 0.1,
    newUserShare: 0.15,
    products: 500,
    pages: 200,
    popularProducts: 20,
    popularProductShare: 0.4,
    productZipf: 1.0,
    pageZipf: 1.1,
    bounceShare: 0.4,
    meanPagesPerSession: 5,
    meanDwellMs: 15_000,
    productPageShare: 0.35,
    addToCartRate: 0.15,
    checkoutRate: 0.55,
    purchaseRate: 0.75,
    loginShare: 0.6,
    logoutShare: 0.3,
    signupRate: 0.3,
    customEventShare: 0.1,
    premiumElectronicsShare: 0.5,
    sessionEndShare: 0.3,
    sessionTimeoutMs: 30 * 60_000,
    bounceSpike: null,
    fraudShare: 0,
    warmStartRatePerSec: 200,
    mix: { userEvents: 0.4, productViews: 0.4, orders: 0.2 },
    orderFromViewShare: 0.7,
    lateShare: 0,
    lateDelayMs: 10_000,
    lateDelayDistribution: 'uniform',
    duplicateShare: 0,
    malformedShare: 0,
    shards: DEFAULT_SHARDS,
    startTime: DEFAULT_START_TIME,
    topics: {
      events: TOPICS.events,
      userEvents: TOPICS.userEvents,
      productView: TOPICS.productView,
      orders: TOPICS.orders,
    },
    encoding: 'avro',
  };
}

const SHARES = [
  'powerUserShare',
  'powerTrafficShare',
  'premiumShare',
  'newUserShare',
  'popularProductShare',
  'bounceShare',
  'productPageShare',
  'addToCartRate',
  'checkoutRate',
  'purchaseRate',
  'loginShare',
  'logoutShare',
  'signupRate',
  'customEventShare',
  'premiumElectronicsShare',
  'sessionEndShare',
  'fraudShare',
  'orderFromViewShare',
  'lateShare',
  'duplicateShare',
  'malformedShare',
] as const satisfies readonly (keyof SimulatorConfig)[];

/**
 * Checks a configuration and returns it; a bad value throws a UsageError naming its path
 * (`simulator.lateShare`) and the expected form.
 */
export function validateSimulatorConfig(c: SimulatorConfig, where = 'simulator'): SimulatorConfig {
  const fail = (path: string, expected: string, got: unknown): never => {
    throw new UsageError(`invalid ${where}.${path}: expected ${expected}, got ${JSON.stringify(got)}`);
  };
  const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (!Number.isSafeInteger(c.seed) || c.seed < 0) fail('seed', 'an integer >= 0', c.seed);
  if (c.profile !== 'website' && c.profile !== 'eventflow')
    fail('profile', "'website' or 'eventflow'", c.profile);
  if (c.encoding !== 'avro' && c.encoding !== 'json') fail('encoding', "'avro' or 'json'", c.encoding);
  if (!Number.isSafeInteger(c.shards) || c.shards < 1 || c.shards > 1024)
    fail('shards', 'an integer in [1, 1024]', c.shards);
  for (const k of ['users', 'products', 'pages', 'popularProducts'] as const) {
    if (!Number.isSafeInteger(c[k]) || c[k] < 1) fail(k, 'an integer >= 1', c[k]);
  }
  for (const k of SHARES) if (!isNum(c[k]) || c[k] < 0 || c[k] > 1) fail(k, 'a share in [0, 1]', c[k]);
  if (c.powerUserShare === 1 && c.powerTrafficShare < 1)
    fail('powerTrafficShare', '1 when every user is a power user', c.powerTrafficShare);
  if (c.premiumShare + c.newUserShare > 1)
    fail('newUserShare', `at most 1 - premiumShare (${1 - c.premiumShare})`, c.newUserShare);
  for (const k of ['productZipf', 'pageZipf'] as const)
    if (!isNum(c[k]) || c[k] < 0) fail(k, 'an exponent >= 0', c[k]);
  if (!isNum(c.meanPagesPerSession) || c.meanPagesPerSession < 2)
    fail('meanPagesPerSession', 'a number >= 2', c.meanPagesPerSession);
  for (const k of ['meanDwellMs', 'lateDelayMs', 'sessionTimeoutMs'] as const) {
    if (!isNum(c[k]) || c[k] < 1) fail(k, 'a duration >= 1 ms', c[k]);
  }
  if (!isNum(c.warmStartRatePerSec) || c.warmStartRatePerSec < 0)
    fail('warmStartRatePerSec', 'a rate >= 0', c.warmStartRatePerSec);
  if (c.lateDelayDistribution !== 'uniform' && c.lateDelayDistribution !== 'exponential') {
    fail('lateDelayDistribution', "'uniform' or 'exponential'", c.lateDelayDistribution);
  }
  if (!Number.isSafeInteger(c.startTime) || c.startTime < 0)
    fail('startTime', 'epoch milliseconds (integer >= 0)', c.startTime);
  if (c.bounceSpike !== null) {
    const b = c.bounceSpike;
    if (!isNum(b?.everyMs) || b.everyMs < 1) fail('bounceSpike.everyMs', 'a duration >= 1 ms', b?.everyMs);
    if (!isNum(b.durationMs) || b.durationMs < 1 || b.durationMs > b.everyMs) {
      fail('bounceSpike.durationMs', `a duration in [1, everyMs=${b.everyMs}] ms`, b.durationMs);
    }
    if (!isNum(b.share) || b.share < 0 || b.share > 1)
      fail('bounceSpike.share', 'a share in [0, 1]', b.share);
  }
  const m = c.mix;
  for (const k of ['userEvents', 'productViews', 'orders'] as const) {
    if (!isNum(m?.[k]) || m[k] < 0) fail(`mix.${k}`, 'a weight >= 0', m?.[k]);
  }
  if (m.userEvents + m.productViews + m.orders <= 0) fail('mix', 'weights with a positive sum', m);
  for (const k of ['events', 'userEvents', 'productView', 'orders'] as const) {
    if (typeof c.topics?.[k] !== 'string' || c.topics[k].length === 0)
      fail(`topics.${k}`, 'a topic name', c.topics?.[k]);
  }
  return c;
}

/** Whether event time `t` falls in an episode (the last `durationMs` of each `everyMs` period since `origin`). */
export function inEpisode(e: Episode | null, origin: number, t: number): boolean {
  if (!e) return false;
  const phase = (((t - origin) % e.everyMs) + e.everyMs) % e.everyMs;
  return phase >= e.everyMs - e.durationMs;
}

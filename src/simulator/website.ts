import type {
  AnalyticsEvent,
  ConversionEvent,
  ConversionType,
  CustomEvent,
  Device,
  OrderEvent,
  PageViewEvent,
  ProductViewEvent,
  SessionAction,
  SessionEvent,
  UserAction,
  UserEvent,
  UserType,
} from '../events/types.js';
import { make, type Actor, type TrafficModel } from './build.js';
import { convertPrice, CUSTOM_EVENTS, type Catalog, type Page, type Product } from './catalog.js';
import { inEpisode, type SimulatorConfig } from './config.js';
import { DueHeap } from './heap.js';
import { Population, type SimUser } from './population.js';
import type { Rng } from './random.js';

/**
 * The `website` profile: users arrive in sessions and browse; every event type comes out of a session's
 * journey, so bounce rate, funnels, revenue and session durations are consistent with each other.
 *
 * Each session is a small script of pending actions with the time the next one is due; sessions wait in
 * a heap ordered by due time. The open-loop schedule decides *when* an event is sent: at each call the
 * earliest due session acts, and when none is due a new session starts. The number of concurrent sessions
 * therefore settles where their natural activity matches the send rate, and dwell times stay realistic at
 * any rate (a lower rate means fewer concurrent users, not faster clicking).
 */

type Action =
  | 'start'
  | 'login'
  | 'signup'
  | 'signup_conversion'
  | 'page'
  | 'product_view'
  | 'add_to_cart'
  | 'custom'
  | 'checkout'
  | 'purchase'
  | 'order'
  | 'logout'
  | 'end'
  | 'timeout'
  // Pseudo-actions, expanded into real ones once the state they depend on is known.
  | 'finish'
  | 'close';

/** How long after the previous event an action happens. */
type Gap = 'short' | 'medium' | 'dwell' | 'timeout';

interface Step {
  a: Action;
  gap: Gap;
  /** Order line index for 'order'. */
  line?: number;
}

interface CartLine {
  product: number;
  qty: number;
  /** Unit price in the session's currency. */
  price: number;
}

interface Session {
  id: string;
  user: SimUser;
  actor: Actor;
  currency: string;
  card: string;
  queue: Step[];
  targetPages: number;
  depth: number;
  startedAt: number;
  lastActivity: number;
  lastPageAt: number;
  lastPageUrl: string | null;
  landing: Page | { url: string; title: string; category: string; product: number };
  currentProduct: number | null;
  cart: CartLine[];
  loggedIn: boolean;
  orderId: string | null;
  /** A fraud episode: same user, another country and card, fast purchase. */
  fraud: boolean;
}

const REFERRERS: readonly (string | null)[] = [
  null,
  'https://www.google.com/',
  'https://www.google.com/',
  'https://www.bing.com/',
  'https://t.co/',
  'https://www.facebook.com/',
  'https://news.ycombinator.com/',
  'newsletter',
];

/** Events a warm start simulates at most (bounds start-up time at high warm-start rates). */
const WARM_START_MAX_EVENTS = 50_000;

export class WebsiteModel implements TrafficModel {
  private readonly heap = new DueHeap<Session>();
  /** Origin of the bounce-spike episodes: the configured start time. */
  private readonly origin: number;
  private readonly product: Product[];

  /**
   * `acceptSessionId` keeps a shard's session ids on its own partitions (session events are keyed by
   * session id): ids are drawn until one is accepted. Without it the first draw is taken.
   */
  constructor(
    private readonly rng: Rng,
    private readonly config: SimulatorConfig,
    private readonly catalog: Catalog,
    private readonly population: Population,
    private readonly acceptSessionId: (id: string) => boolean = () => true,
  ) {
    this.product = catalog.products;
    // Warm up at construction, not on the first call: a live run's first events must not wait for it.
    this.origin = config.startTime;
    this.warmStart(config.startTime);
  }

  next(t: number): AnalyticsEvent {
    const s = this.heap.peekDue() <= t ? this.heap.pop()!.value : this.newSession(t, null);
    return this.step(s, t);
  }

  /**
   * Runs the model over a pre-history ending at t0 at the warm-start rate and throws the events away, so
   * the first emitted events see sessions in every stage rather than a wave of session starts. The
   * pre-history is a few session lengths (at most WARM_START_MAX_EVENTS events); sessions that would time
   * out only start doing so `sessionTimeoutMs` into a run.
   */
  private warmStart(t0: number): void {
    const rate = this.config.warmStartRatePerSec;
    if (rate <= 0) return;
    const c = this.config;
    const span = Math.min(4 * c.meanPagesPerSession * c.meanDwellMs, (WARM_START_MAX_EVENTS / rate) * 1000);
    const n = Math.floor((span / 1000) * rate);
    for (let i = 0; i < n; i++) {
      const t = Math.round(t0 - span + (i * 1000) / rate);
      const s = this.heap.peekDue() <= t ? this.heap.pop()!.value : this.newSession(t, null);
      this.step(s, t);
    }
  }

  private newSession(t: number, fraudOf: Session | null): Session {
    const rng = this.rng;
    const c = this.config;
    const user = fraudOf ? fraudOf.user : this.population.pick(rng);
    user.sessions++;
    let country = user.country;
    let currency = user.currency;
    let card = user.cards[rng.int(user.cards.length)];
    let device: Device = rng.chance(0.85) ? user.device : this.catalog.devices.sample(rng);
    if (fraudOf) {
      const other = Population.otherCountry(rng, fraudOf.actor.country);
      country = other.code;
      currency = other.currency;
      card = `card-${rng.hex(8)}`;
      device = this.catalog.devices.sample(rng);
    }
    let id = `s-${rng.hex(16)}`;
    while (!this.acceptSessionId(id)) id = `s-${rng.hex(16)}`;
    const userType: UserType = user.currentType;
    const bounce = fraudOf
      ? true
      : rng.chance(inEpisode(c.bounceSpike, this.origin, t) ? c.bounceSpike!.share : c.bounceShare);
    const targetPages = bounce ? 1 : 2 + rng.geometric(c.meanPagesPerSession - 2);
    const landing =
      fraudOf || rng.chance(0.2)
        ? this.productPage(this.pickProduct(user))
        : this.catalog.pages[this.catalog.pagePopularity.sample(rng)];
    const s: Session = {
      id,
      user,
      actor: { user_id: user.id, session_id: id, user_type: userType, country, device },
      currency,
      card,
      queue: [{ a: 'start', gap: 'short' }],
      targetPages,
      depth: 0,
      startedAt: t,
      lastActivity: t,
      lastPageAt: t,
      lastPageUrl: null,
      landing,
      currentProduct: null,
      cart: [],
      loggedIn: false,
      orderId: null,
      fraud: fraudOf !== null,
    };
    if (!fraudOf) {
      if (!user.registered && rng.chance(c.signupRate)) {
        s.queue.push({ a: 'signup', gap: 'short' }, { a: 'signup_conversion', gap: 'short' });
      } else if (user.registered && rng.chance(c.loginShare)) {
        s.queue.push({ a: 'login', gap: 'short' });
      }
    }
    s.queue.push({ a: 'page', gap: 'short' });
    return s;
  }

  private productPage(p: number) {
    const product = this.product[p];
    return {
      url: `/product/${product.id}`,
      title: `Product ${product.id}`,
      category: product.category,
      product: p,
    };
  }

  /** EventFlow's "popular products" share first, then Zipf popularity; premium users lean to electronics. */
  private pickProduct(user: SimUser): number {
    const rng = this.rng;
    const c = this.config;
    const electronics = this.catalog.byCategory.get('electronics');
    if (user.type === 'premium' && electronics && rng.chance(c.premiumElectronicsShare))
      return electronics.sample(rng);
    if (rng.chance(c.popularProductShare)) return rng.pick(this.catalog.popular);
    return this.catalog.productPopularity.sample(rng);
  }

  /** Emits the session's next action at t, then schedules what follows (or lets the session go). */
  private step(s: Session, t: number): AnalyticsEvent {
    const step = s.queue.shift()!;
    const event = this.emit(s, step, t);
    s.lastActivity = t;
    while (s.queue.length && (s.queue[0].a === 'finish' || s.queue[0].a === 'close'))
      this.expand(s, s.queue.shift()!.a as 'finish' | 'close');
    if (s.queue.length) this.heap.push(t + this.gap(s, s.queue[0].gap), s);
    return event;
  }

  private gap(s: Session, gap: Gap): number {
    const rng = this.rng;
    switch (gap) {
      case 'short':
        return rng.range(100, 1500);
      case 'medium':
        return rng.range(3000, 30_000);
      case 'dwell':
        return s.fraud
          ? rng.range(2000, 10_000)
          : 500 + Math.round(rng.exponential(this.config.meanDwellMs - 500));
      case 'timeout':
        // The server notices the idle session on its next sweep.
        return this.config.sessionTimeoutMs + rng.range(0, 2000);
    }
  }

  private expand(s: Session, a: 'finish' | 'close'): void {
    const rng = this.rng;
    const c = this.config;
    if (a === 'finish') {
      if (s.cart.length && (s.fraud || rng.chance(c.checkoutRate))) {
        s.queue.push({ a: 'checkout', gap: s.fraud ? 'short' : 'medium' });
        if (s.fraud || rng.chance(c.purchaseRate)) {
          s.queue.push({ a: 'purchase', gap: s.fraud ? 'short' : 'medium' });
          for (let i = 0; i < s.cart.length; i++) s.queue.push({ a: 'order', gap: 'short', line: i });
        }
      }
      s.queue.push({ a: 'close', gap: 'short' });
      return;
    }
    if (s.fraud) s.queue.push({ a: 'end', gap: 'short' });
    else if (s.loggedIn && rng.chance(c.logoutShare))
      s.queue.push({ a: 'logout', gap: 'medium' }, { a: 'end', gap: 'short' });
    else if (rng.chance(c.sessionEndShare)) s.queue.push({ a: 'end', gap: 'medium' });
    else s.queue.push({ a: 'timeout', gap: 'timeout' });
  }

  private emit(s: Session, step: Step, t: number): AnalyticsEvent {
    switch (step.a) {
      case 'start':
        return this.session(s, 'start', t);
      case 'end':
        return this.session(s, 'end', t);
      case 'timeout':
        return this.session(s, 'timeout', t);
      case 'login':
        s.loggedIn = true;
        return this.userEvent(s, 'LOGIN', t);
      case 'logout':
        s.loggedIn = false;
        return this.userEvent(s, 'LOGOUT', t);
      case 'signup':
        s.user.registered = true;
        s.loggedIn = true;
        return this.userEvent(s, 'SIGNUP', t);
      case 'signup_conversion':
        // From the next session on, a signed-up new user counts as regular.
        if (s.user.currentType === 'new') s.user.currentType = 'regular';
        return this.conversion(s, 'signup', t);
      case 'page':
        return this.pageView(s, t);
      case 'product_view':
        return this.productView(s, t);
      case 'add_to_cart':
        return this.conversion(s, 'add_to_cart', t);
      case 'checkout':
        return this.conversion(s, 'checkout', t);
      case 'purchase':
        s.orderId = `o-${this.rng.hex(12)}`;
        if (!s.fraud && this.rng.chance(this.config.fraudShare)) this.spawnFraud(s, t);
        return this.conversion(s, 'purchase', t);
      case 'order':
        return this.order(s, step.line!, t);
      case 'custom':
        return this.custom(s, t);
      case 'finish':
      case 'close':
        throw new Error(`pseudo-action ${step.a} reached emit`);
    }
  }

  /** Two or three fast purchases by the same user from other countries with new cards, within minutes. */
  private spawnFraud(s: Session, t: number): void {
    const k = this.rng.range(2, 3);
    for (let i = 0; i < k; i++) {
      const f = this.newSession(t, s);
      this.heap.push(t + this.rng.range(5_000, 90_000), f);
    }
  }

  private session(s: Session, action: SessionAction, t: number): SessionEvent {
    return make(this.rng, 'session', s.actor, t, {
      action,
      page_count: s.depth,
      duration_ms: t - s.startedAt,
      idle_time_ms: action === 'timeout' ? t - s.lastActivity : 0,
      landing_page: s.landing.url,
    });
  }

  private userEvent(s: Session, action: UserAction, t: number): UserEvent {
    return make(this.rng, 'user_event', s.actor, t, { action });
  }

  private pageView(s: Session, t: number): PageViewEvent {
    const rng = this.rng;
    const c = this.config;
    s.depth++;
    let page: { url: string; title: string; category: string; product?: number };
    if (s.depth === 1) page = s.landing;
    else if (rng.chance(c.productPageShare)) page = this.productPage(this.pickProduct(s.user));
    else page = this.catalog.pages[this.catalog.pagePopularity.sample(rng)];
    const event: PageViewEvent = make(rng, 'page_view', s.actor, t, {
      page_url: page.url,
      page_title: page.title,
      content_category: page.category,
      referrer: s.depth === 1 ? rng.pick(REFERRERS) : s.lastPageUrl,
      page_depth: s.depth,
      time_on_previous_page_ms: s.depth === 1 ? 0 : t - s.lastPageAt,
    });
    s.lastPageAt = t;
    s.lastPageUrl = page.url;
    s.currentProduct = page.product ?? null;
    const follow: Step[] = [];
    if (page.product !== undefined) follow.push({ a: 'product_view', gap: 'short' });
    if (!s.fraud && rng.chance(c.customEventShare)) follow.push({ a: 'custom', gap: 'short' });
    follow.push(s.depth < s.targetPages ? { a: 'page', gap: 'dwell' } : { a: 'finish', gap: 'short' });
    s.queue.unshift(...follow);
    return event;
  }

  private productView(s: Session, t: number): ProductViewEvent {
    const p = this.product[s.currentProduct!];
    if (s.fraud || this.rng.chance(this.config.addToCartRate))
      s.queue.unshift({ a: 'add_to_cart', gap: s.fraud ? 'short' : 'medium' });
    return make(this.rng, 'product_view', s.actor, t, {
      product_id: p.id,
      product_category: p.category,
      price: convertPrice(p.priceUsd, s.currency),
      currency: s.currency,
    });
  }

  private cartTotal(s: Session): number {
    const total = s.cart.reduce((sum, l) => sum + l.price * l.qty, 0);
    return s.currency === 'JPY' ? Math.round(total) : Math.round(total * 100) / 100;
  }

  private conversion(s: Session, type: ConversionType, t: number): ConversionEvent {
    let product: number | null = null;
    let revenue: number | null = null;
    if (type === 'add_to_cart') {
      product = s.currentProduct!;
      const line = {
        product,
        qty: this.quantity(),
        price: convertPrice(this.product[product].priceUsd, s.currency),
      };
      s.cart.push(line);
      revenue = line.qty * line.price;
      revenue = s.currency === 'JPY' ? Math.round(revenue) : Math.round(revenue * 100) / 100;
    } else if (type === 'checkout' || type === 'purchase') {
      product = s.cart[0].product;
      revenue = this.cartTotal(s);
    }
    return make(this.rng, 'conversion', s.actor, t, {
      conversion_type: type,
      product_id: product === null ? null : this.product[product].id,
      product_category: product === null ? null : this.product[product].category,
      revenue,
      currency: revenue === null ? null : s.currency,
      order_id: type === 'purchase' ? s.orderId : null,
      card_id: type === 'purchase' ? s.card : null,
    });
  }

  private quantity(): number {
    const x = this.rng.float();
    return x < 0.8 ? 1 : x < 0.95 ? 2 : 3;
  }

  /** One order record per cart line (EventFlow's orders carry one product each): `<order id>-<line>`. */
  private order(s: Session, i: number, t: number): OrderEvent {
    const line = s.cart[i];
    const p = this.product[line.product];
    return make(this.rng, 'order', s.actor, t, {
      order_id: `${s.orderId}-${i + 1}`,
      product_id: p.id,
      product_category: p.category,
      price: line.price,
      quantity: line.qty,
      currency: s.currency,
      card_id: s.card,
    });
  }

  private custom(s: Session, t: number): CustomEvent {
    const def = CUSTOM_EVENTS[this.catalog.customEvents.sample(this.rng)];
    return make(this.rng, 'custom', s.actor, t, {
      name: def.name,
      properties: { page: s.lastPageUrl ?? '/', ...def.properties(this.rng) },
    });
  }
}

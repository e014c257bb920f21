import type { AnalyticsEvent, OrderEvent, ProductViewEvent, UserEvent } from '../events/types.js';
import { make, type Actor, type TrafficModel } from './build.js';
import { convertPrice, type Catalog } from './catalog.js';
import type { SimulatorConfig } from './config.js';
import { DueHeap } from './heap.js';
import { Population, type SimUser } from './population.js';
import { Discrete, type Rng } from './random.js';

type Kind = 'user' | 'view' | 'order';

/** A fraud follow-up order: same user, another country and card. */
interface PendingOrder {
  user: SimUser;
  country: string;
  currency: string;
  card: string;
}

const RECENT_VIEWS = 8;

/**
 * The `eventflow` profile (002): each event is independently a user event, a product view or an order in
 * the configured mix (40/40/20), from a user picked with power users producing `powerTrafficShare` of the
 * events. User events follow each user's state (SIGNUP once for new users, then LOGIN / LOGOUT in turn);
 * orders are mostly for products the user viewed recently, so the per-user view → order funnel of 002 is
 * meaningful. Events of a logged-in user carry that login's session id; others have none.
 */
export class EventflowModel implements TrafficModel {
  private readonly kinds: Discrete<Kind>;
  private readonly fraud = new DueHeap<PendingOrder>();

  constructor(
    private readonly rng: Rng,
    private readonly config: SimulatorConfig,
    private readonly catalog: Catalog,
    private readonly population: Population,
  ) {
    const m = config.mix;
    this.kinds = new Discrete<Kind>(['user', 'view', 'order'], [m.userEvents, m.productViews, m.orders]);
  }

  next(t: number): AnalyticsEvent {
    const kind = this.kinds.sample(this.rng);
    // A due fraud follow-up takes an order slot, so the mix stays as configured.
    if (kind === 'order' && this.fraud.peekDue() <= t) {
      const f = this.fraud.pop()!.value;
      return this.order(f.user, t, f);
    }
    const user = this.population.pick(this.rng);
    if (kind === 'user') return this.userEvent(user, t);
    if (kind === 'view') return this.productView(user, t);
    return this.order(user, t, null);
  }

  private actor(user: SimUser, country = user.country): Actor {
    return {
      user_id: user.id,
      session_id: user.loginSession,
      user_type: user.currentType,
      country,
      device: user.device,
    };
  }

  private userEvent(user: SimUser, t: number): UserEvent {
    if (!user.registered) {
      user.registered = true;
      user.loggedIn = true;
      user.loginSession = `s-${this.rng.hex(16)}`;
      const e: UserEvent = make(this.rng, 'user_event', this.actor(user), t, { action: 'SIGNUP' });
      user.currentType = 'regular';
      return e;
    }
    if (!user.loggedIn) {
      user.loggedIn = true;
      user.loginSession = `s-${this.rng.hex(16)}`;
      return make(this.rng, 'user_event', this.actor(user), t, { action: 'LOGIN' });
    }
    const e: UserEvent = make(this.rng, 'user_event', this.actor(user), t, { action: 'LOGOUT' });
    user.loggedIn = false;
    user.loginSession = null;
    return e;
  }

  private pickProduct(): number {
    if (this.rng.chance(this.config.popularProductShare)) return this.rng.pick(this.catalog.popular);
    return this.catalog.productPopularity.sample(this.rng);
  }

  private productView(user: SimUser, t: number): ProductViewEvent {
    const i = this.pickProduct();
    const p = this.catalog.products[i];
    user.recentViews.push(i);
    if (user.recentViews.length > RECENT_VIEWS) user.recentViews.shift();
    return make(this.rng, 'product_view', this.actor(user), t, {
      product_id: p.id,
      product_category: p.category,
      price: convertPrice(p.priceUsd, user.currency),
      currency: user.currency,
    });
  }

  private order(user: SimUser, t: number, fraud: PendingOrder | null): OrderEvent {
    const rng = this.rng;
    const i =
      user.recentViews.length && rng.chance(this.config.orderFromViewShare)
        ? rng.pick(user.recentViews)
        : this.pickProduct();
    const p = this.catalog.products[i];
    const currency = fraud?.currency ?? user.currency;
    const x = rng.float();
    const e: OrderEvent = make(rng, 'order', this.actor(user, fraud?.country), t, {
      order_id: `o-${rng.hex(12)}`,
      product_id: p.id,
      product_category: p.category,
      price: convertPrice(p.priceUsd, currency),
      quantity: x < 0.8 ? 1 : x < 0.95 ? 2 : 3,
      currency,
      card_id: fraud?.card ?? user.cards[rng.int(user.cards.length)],
    });
    if (!fraud && rng.chance(this.config.fraudShare)) {
      const k = rng.range(2, 3);
      for (let j = 0; j < k; j++) {
        const c = Population.otherCountry(rng, user.country);
        this.fraud.push(t + rng.range(5_000, 90_000), {
          user,
          country: c.code,
          currency: c.currency,
          card: `card-${rng.hex(8)}`,
        });
      }
    }
    return e;
  }
}

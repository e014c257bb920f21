import type { Device, UserType } from '../events/types.js';
import { COUNTRIES, type Catalog } from './catalog.js';
import type { Rng } from './random.js';

export interface SimUser {
  id: string;
  /** As configured; a new user who signs up is reported as 'regular' from the next session on. */
  type: UserType;
  power: boolean;
  country: string;
  currency: string;
  device: Device;
  cards: string[];
  /** Registered users may LOGIN; new users become registered by SIGNUP. */
  registered: boolean;
  /** The user_type events carry right now. */
  currentType: UserType;
  sessions: number;
  /** EventFlow state: logged in, and the id of that login session. */
  loggedIn: boolean;
  loginSession: string | null;
  /** Recently viewed product indices (EventFlow's view → order funnel). */
  recentViews: number[];
}

export interface PopulationOptions {
  users: number;
  powerUserShare: number;
  powerTrafficShare: number;
  premiumShare: number;
  newUserShare: number;
}

/**
 * The simulated users. Power users are a small share of users that produce `powerTrafficShare` of the
 * traffic; user type (premium / regular / new), home country and usual device are drawn per user.
 */
export class Population {
  readonly users: SimUser[] = [];
  private readonly power: SimUser[] = [];
  private readonly casual: SimUser[] = [];

  /**
   * `keep` selects a shard's slice of the users (sharding.ts): the whole population is drawn first, so a
   * user is the same person in every shard count, and only the kept ones are ever picked.
   */
  constructor(
    rng: Rng,
    catalog: Catalog,
    private readonly o: PopulationOptions,
    keep: (user: SimUser) => boolean = () => true,
  ) {
    const powerCount = Math.round(o.users * o.powerUserShare);
    for (let i = 0; i < o.users; i++) {
      const x = rng.float();
      const type: UserType =
        x < o.premiumShare ? 'premium' : x < o.premiumShare + o.newUserShare ? 'new' : 'regular';
      const country = catalog.countries.sample(rng);
      const cards = [`card-${rng.hex(8)}`];
      if (rng.chance(0.25)) cards.push(`card-${rng.hex(8)}`);
      const user: SimUser = {
        id: `u${i + 1}`,
        type,
        // Power users are spread over the id space rather than being the first ids.
        power: false,
        country: country.code,
        currency: country.currency,
        device: catalog.devices.sample(rng),
        cards,
        registered: type !== 'new',
        currentType: type,
        sessions: 0,
        loggedIn: false,
        loginSession: null,
        recentViews: [],
      };
      this.users.push(user);
    }
    // Choose exactly powerCount power users by a partial Fisher–Yates shuffle.
    const order = this.users.map((_, i) => i);
    for (let i = 0; i < powerCount; i++) {
      const j = i + rng.int(order.length - i);
      [order[i], order[j]] = [order[j], order[i]];
      this.users[order[i]].power = true;
    }
    for (const u of this.users) if (keep(u)) (u.power ? this.power : this.casual).push(u);
  }

  /** Users that pick() can return. */
  get size(): number {
    return this.power.length + this.casual.length;
  }

  /** A user weighted so that power users produce `powerTrafficShare` of the picks. */
  pick(rng: Rng): SimUser {
    if (this.casual.length === 0) return rng.pick(this.power);
    if (this.power.length === 0) return rng.pick(this.casual);
    return rng.chance(this.o.powerTrafficShare) ? rng.pick(this.power) : rng.pick(this.casual);
  }

  /** A country other than `code` (fraud episodes). */
  static otherCountry(rng: Rng, code: string): (typeof COUNTRIES)[number] {
    const others = COUNTRIES.filter((c) => c.code !== code);
    return rng.pick(others);
  }
}

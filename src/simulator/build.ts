import type { AnalyticsEvent, Device, EventBase, EventOf, EventType, UserType } from '../events/types.js';
import type { Rng } from './random.js';

/** Who and where an event comes from. */
export interface Actor {
  user_id: string;
  session_id: string | null;
  user_type: UserType;
  country: string;
  device: Device;
}

/**
 * An event of type T at time t: the common fields, then the type's own fields in the order given (key order
 * is part of the JSON bytes, so it is fixed). Object.assign rather than spread: V8 spreads large literals
 * an order of magnitude slower, and this runs once per generated event.
 */
export function make<T extends EventType>(
  rng: Rng,
  type: T,
  actor: Actor,
  t: number,
  fields: Omit<EventOf<T>, keyof EventBase>,
): EventOf<T> {
  return Object.assign(base(rng, type, actor, t), fields) as unknown as EventOf<T>;
}

/**
 * The common fields of an event at time t. Both times start equal; the fault injector may later move
 * event_time back (late events) and the generator stamps the intended send time.
 */
export function base<T extends EventType>(
  rng: Rng,
  type: T,
  actor: Actor,
  t: number,
): EventBase & { event_type: T } {
  return {
    event_id: rng.uuid(),
    event_type: type,
    user_id: actor.user_id,
    session_id: actor.session_id,
    event_time: t,
    intended_send_time: t,
    user_type: actor.user_type,
    country: actor.country,
    device: actor.device,
  };
}

/** A model of traffic: the next true event at time t (t never decreases between calls). */
export interface TrafficModel {
  next(t: number): AnalyticsEvent;
}

import type { OptionsOf } from './define.js';
import type { loadSettings, trafficSettings } from './settings.js';
import type { SimulatorConfig } from '../simulator/config.js';
import { parseBounceSpike } from '../simulator/flags.js';

export function trafficConfigFrom(o: OptionsOf<typeof trafficSettings>): Partial<SimulatorConfig> {
  return {
    sessionTimeoutMs: o.sessionTimeout,
    bounceShare: o.bounceShare,
    bounceSpike: o.bounceSpike ? parseBounceSpike(o.bounceSpike) : null,
    fraudShare: o.fraudShare,
    premiumShare: o.premiumShare,
  };
}

/** The load part of a simulator configuration (seed, mix, users, injected faults), from the shared load flags. */
export function loadConfigFrom(o: OptionsOf<typeof loadSettings>): Partial<SimulatorConfig> {
  return {
    seed: o.seed,
    profile: o.mix,
    users: o.users,
    shards: o.shards,
    lateShare: o.lateShare,
    lateDelayMs: o.lateDelay,
    duplicateShare: o.duplicateShare,
    malformedShare: o.malformedShare,
    encoding: o.encoding,
  };
}

import { UsageError } from '../errors.js';
import { encodeEvent } from '../events/codec.js';
import { eventKey, type AnalyticsEvent, type EventType } from '../events/types.js';
import { buildCatalog } from './catalog.js';
import { validateSimulatorConfig, type SimulatorConfig, type SimulatorTopics } from './config.js';
import { EventflowModel } from './eventflow.js';
import { lateDelay, malform, type MalformedKind } from './faults.js';
import { Population } from './population.js';
import { Rng } from './random.js';
import type { TrafficModel } from './build.js';
import { shardOfKey } from './sharding.js';
import { WebsiteModel } from './website.js';

/** One message for the transport, with what the simulator knows about it (for tests and reports). */
export interface SimRecord {
  topic: string;
  /** user_id; session_id for session lifecycle events (eventKey()). */
  key: string | null;
  value: Buffer;
  /** The event the value encodes; null when the record is malformed. */
  event: AnalyticsEvent | null;
  /** For malformed records: a fragment of the message the decoder rejects it with. */
  malformedReason?: string;
  malformedKind?: MalformedKind;
  /** A re-send of a recent record: same bytes, same event_id. */
  duplicate: boolean;
  /** Its event time was moved back (late / out-of-order injection). */
  late: boolean;
}

export interface GeneratorStats {
  records: number;
  byType: Record<string, number>;
  duplicates: number;
  malformed: number;
  late: number;
}

export interface Generator {
  readonly config: SimulatorConfig;
  /** The record to send at `intendedSendTime` (epoch ms; rounded to whole ms in the event). */
  next(intendedSendTime: number): SimRecord;
  readonly stats: GeneratorStats;
}

export function topicFor(type: EventType, topics: SimulatorTopics): string {
  switch (type) {
    case 'user_event':
      return topics.userEvents;
    case 'product_view':
      return topics.productView;
    case 'order':
      return topics.orders;
    default:
      return topics.events;
  }
}

/** Records a duplicate may copy: the most recent ones (a producer retry re-sends what it just sent). */
const DUPLICATE_WINDOW = 64;

/**
 * Stream numbers of the independent random sequences of one seed: the world (catalogue, users) is shared
 * by every shard; shard s draws its traffic from stream 1 + 2s and its faults from 2 + 2s (shard 0 has
 * the streams of the unsharded generator, so one shard reproduces its output).
 */
const STREAM = {
  world: 0,
  traffic: (shard: number) => 1 + 2 * shard,
  faults: (shard: number) => 2 + 2 * shard,
};

function checkShares(config: SimulatorConfig): void {
  validateSimulatorConfig(config);
  if (config.duplicateShare + config.malformedShare > 1) {
    throw new UsageError(
      `invalid simulator.malformedShare: duplicateShare + malformedShare must be at most 1, got ${config.duplicateShare + config.malformedShare}`,
    );
  }
}

/**
 * A seeded, deterministic traffic generator: the same config gives the same records (bytes included) for
 * the same sequence of intended send times. The stream is the round-robin merge of `config.shards`
 * independent shard generators (sharding.ts): call i is answered by shard i mod shards.
 */
export function createGenerator(config: SimulatorConfig): Generator {
  checkShares(config);
  const shards = Array.from({ length: config.shards }, (_, s) => createShardGenerator(config, s));
  let i = 0;
  return {
    config,
    next: (t) => shards[i++ % shards.length].next(t),
    get stats() {
      return sumStats(shards.map((g) => g.stats));
    },
  };
}

export function sumStats(all: GeneratorStats[]): GeneratorStats {
  const out: GeneratorStats = { records: 0, byType: {}, duplicates: 0, malformed: 0, late: 0 };
  for (const s of all) {
    out.records += s.records;
    out.duplicates += s.duplicates;
    out.malformed += s.malformed;
    out.late += s.late;
    for (const [k, n] of Object.entries(s.byType)) out.byType[k] = (out.byType[k] ?? 0) + n;
  }
  return out;
}

/**
 * Shard `shard` of the stream alone: its users (those whose id hashes to it), its sessions, its random
 * streams, at 1/shards of the traffic (its warm start too). The world (catalogue, users) and the traffic
 * and the fault injection draw from separate random streams, so turning a fault knob does not change the
 * catalogue or the users.
 */
export function createShardGenerator(config: SimulatorConfig, shard: number): Generator {
  checkShares(config);
  const n = config.shards;
  if (!Number.isInteger(shard) || shard < 0 || shard >= n)
    throw new RangeError(`shard ${shard} is not one of the ${n} shards`);
  const world = new Rng(config.seed, STREAM.world);
  const catalog = buildCatalog(world, config);
  const population = new Population(world, catalog, config, (u) => shardOfKey(u.id, n) === shard);
  if (population.size === 0) {
    throw new UsageError(
      `invalid simulator.users: ${config.users} user(s) leave shard ${shard} of ${n} without users; use more users or fewer shards`,
    );
  }
  const traffic = new Rng(config.seed, STREAM.traffic(shard));
  const faults = new Rng(config.seed, STREAM.faults(shard));
  const own = n === 1 ? config : { ...config, warmStartRatePerSec: config.warmStartRatePerSec / n };
  const model: TrafficModel =
    config.profile === 'eventflow'
      ? new EventflowModel(traffic, own, catalog, population)
      : new WebsiteModel(traffic, own, catalog, population, (id) => shardOfKey(id, n) === shard);
  return singleStream(config, model, faults);
}

/** Fault injection and encoding on top of one model. */
function singleStream(config: SimulatorConfig, model: TrafficModel, faults: Rng): Generator {
  const recent: SimRecord[] = [];
  const stats: GeneratorStats = { records: 0, byType: {}, duplicates: 0, malformed: 0, late: 0 };

  function next(intendedSendTime: number): SimRecord {
    const t = Math.round(intendedSendTime);
    stats.records++;
    const x = faults.float();
    if (x < config.duplicateShare && recent.length) {
      const original = recent[faults.int(recent.length)];
      stats.duplicates++;
      return { ...original, duplicate: true };
    }
    const event = model.next(t);
    const topic = topicFor(event.event_type, config.topics);
    const key = eventKey(event);
    if (x >= config.duplicateShare && x < config.duplicateShare + config.malformedShare) {
      const m = malform(faults, event);
      stats.malformed++;
      return {
        topic,
        key,
        value: m.value,
        event: null,
        malformedReason: m.reason,
        malformedKind: m.kind,
        duplicate: false,
        late: false,
      };
    }
    let late = false;
    if (config.lateShare > 0 && faults.chance(config.lateShare)) {
      event.event_time = Math.max(0, t - lateDelay(faults, config.lateDelayMs, config.lateDelayDistribution));
      late = event.event_time < t;
    }
    if (late) stats.late++;
    stats.byType[event.event_type] = (stats.byType[event.event_type] ?? 0) + 1;
    const record: SimRecord = {
      topic,
      key,
      value: encodeEvent(event, config.encoding),
      event,
      duplicate: false,
      late,
    };
    recent.push(record);
    if (recent.length > DUPLICATE_WINDOW) recent.shift();
    return record;
  }

  return { config, next, stats };
}

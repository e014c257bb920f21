import type { LoadShape } from '../bench/load-shape.js';
import type { OpenTransportOptions } from '../transport/open.js';
import type { SimulatorConfig } from './config.js';
import type { PacingOptions, PacingProgress, RunSummary } from './pacing.js';
import type { RelayReply, RelayRequest } from './relay.js';
import type { LoadProfile } from './schedule.js';

/** The messages between the main thread (threads.ts) and a generator thread (thread-worker.ts). */

/** A schedule as plain data (functions do not cross threads): the shape is rebuilt on the thread. */
export interface PacingSpec extends Pick<
  PacingOptions,
  | 'ratePerSec'
  | 'durationMs'
  | 'events'
  | 'batchMaxMs'
  | 'batchMaxRecords'
  | 'maxInFlight'
  | 'progressIntervalMs'
> {
  profile?: LoadProfile;
  /** A bench load shape spread over `totalMs`; overrides `profile`. */
  shape?: { shape: LoadShape; totalMs: number };
}

/** What the main thread wants to see of each generated record, merged back into schedule order. */
export type LineKind = 'recording' | 'events';

export interface ThreadSpec {
  thread: number;
  threads: number;
  config: SimulatorConfig;
  pacing: PacingSpec;
  /**
   * Where to send: a producer of the thread's own (Kafka), 'relay' to the main thread's producer (the
   * embedded log, which lives there: relay.ts), or null to generate unpaced (a recording) without sending.
   */
  transport: Omit<OpenTransportOptions, 'embedded' | 'log'> | 'relay' | null;
  clientId: string;
  /** Send [intended, sentAt, ackedAt, count] tuples of acknowledged groups (latency histograms). */
  published: boolean;
  lines: LineKind | null;
}

export type ToThread = { kind: 'go'; origin: number } | { kind: 'stop' } | { kind: 'credit' } | RelayReply;

export type FromThread =
  | { kind: 'ready' }
  | RelayRequest
  | { kind: 'progress'; progress: PacingProgress }
  /** Flat [intended, sentAt, ackedAt, count, ...]. */
  | { kind: 'published'; tuples: Float64Array }
  /** The next lines of this thread's records, in schedule order ('' for a record without one). */
  | { kind: 'lines'; lines: string[] }
  | { kind: 'error'; message: string; count: number }
  | { kind: 'done'; summary: RunSummary }
  | { kind: 'fatal'; message: string; usage: boolean; hint?: string };

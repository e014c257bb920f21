import type { Alert, ViewResult } from '../events/results.js';
import type { LiveSnapshot } from '../pipeline/live-stats.js';

/**
 * What the views subscribe to, as narrow structural types: LiveStats and Processor satisfy them, and so
 * does any EventEmitter a test or another feed (a Kafka topic follower) fills.
 */
export interface SnapshotSource {
  on(event: 'snapshot', listener: (s: LiveSnapshot) => void): unknown;
  off(event: 'snapshot', listener: (s: LiveSnapshot) => void): unknown;
}

export interface ResultSource {
  on(event: 'result', listener: (r: ViewResult) => void): unknown;
  off(event: 'result', listener: (r: ViewResult) => void): unknown;
}

export interface AlertSource {
  on(event: 'alert', listener: (a: Alert) => void): unknown;
  off(event: 'alert', listener: (a: Alert) => void): unknown;
}

/** A feed's state in words ("catching up", "following", "simulation ended"), shown in the footer. */
export interface StatusSource {
  on(event: 'status', listener: (status: string) => void): unknown;
  off(event: 'status', listener: (status: string) => void): unknown;
}

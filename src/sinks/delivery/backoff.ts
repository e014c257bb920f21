/**
 * Retry timing for the InfluxDB sink: exponential backoff with jitter, and a circuit breaker that turns a
 * run of failures into "the server is down": it stops retrying at the backoff pace, waits, then sends a
 * single probe (half-open). The sink never drops points either way; the breaker only decides when to try.
 */

export interface BackoffOptions {
  minRetryDelayMs: number;
  maxRetryDelayMs: number;
  /** Up to this fraction of the delay is added at random. */
  retryJitter: number;
  random: () => number;
}

/** Delay before retry number `failures` (1 = after the first failure): min·2^(n−1), capped, plus jitter. */
export function backoffDelay(failures: number, o: BackoffOptions, retryAfterMs = 0): number {
  const exp = Math.min(o.maxRetryDelayMs, o.minRetryDelayMs * 2 ** Math.max(0, failures - 1));
  const jittered = exp * (1 + o.retryJitter * o.random());
  // A server that says when to come back (429/503 Retry-After) knows better than our guess.
  return Math.max(jittered, retryAfterMs);
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  state: BreakerState = 'closed';
  consecutiveFailures = 0;
  /** How many times it opened. */
  opens = 0;
  private openUntil = 0;

  /** `jitter()` returns the extra fraction of openMs to wait each time it opens (probes spread out). */
  constructor(
    private readonly threshold: number,
    private readonly openMs: number,
    private readonly now: () => number,
    private readonly jitter: () => number = () => 0,
  ) {}

  /** How long to wait before the next request may be sent; moves open → half-open once the wait is over. */
  waitMs(): number {
    if (this.state !== 'open') return 0;
    const left = this.openUntil - this.now();
    if (left > 0) return left;
    this.state = 'half-open';
    return 0;
  }

  /** Returns true when this success closed an open or half-open breaker. */
  onSuccess(): boolean {
    const wasOpen = this.state !== 'closed';
    this.state = 'closed';
    this.consecutiveFailures = 0;
    return wasOpen;
  }

  /** Returns true when this failure opened the breaker (from closed). A failed probe re-opens it silently. */
  onFailure(): boolean {
    this.consecutiveFailures++;
    if (this.state === 'half-open') {
      this.open();
      return false;
    }
    if (this.state === 'closed' && this.consecutiveFailures >= this.threshold) {
      this.open();
      this.opens++;
      return true;
    }
    return false;
  }

  private open(): void {
    this.state = 'open';
    this.openUntil = this.now() + this.openMs * (1 + this.jitter());
  }
}

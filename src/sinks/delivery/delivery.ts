import { RtapError } from '../../errors.js';
import { backoffDelay, CircuitBreaker } from './backoff.js';
import { OrderedQueue } from './queue.js';
import { Wakeup } from './wakeup.js';

/**
 * Reliable batched delivery to a store that can be down (docs/influx.md, docs/stores.md): the sinks for
 * InfluxDB, PostgreSQL and MongoDB encode outputs into items (lines, rows, documents) and hand them here.
 * Items sit in an ordered buffer and leave it only when the store acknowledged them, so an outage costs
 * time, never items: failed requests are retried with exponential backoff and jitter, a circuit breaker
 * turns a run of failures into slow probing, and above the high-water mark push() returns a promise that
 * resolves when there is room again, which pauses the pipeline. One request is in flight at a time, so
 * items reach the store in the order they were written (a later write of the same identity wins).
 */

export type SendOutcome =
  | { ok: true }
  /** Transient (network error, timeout, server restarting): send the same items again later. */
  | { ok: false; kind: 'retry'; reason: string; retryAfterMs: number }
  /** The store rejected the content: bisect to isolate the bad item, write the others. */
  | { ok: false; kind: 'reject'; reason: string }
  /** Every request will fail the same way (authentication, missing database): a configuration problem. */
  | { ok: false; kind: 'fatal'; reason: string; hint?: string };

export interface DeliveryOptions<T> {
  /** Sink name for messages, e.g. `influx sink`. */
  sink: string;
  /** Where items go, for messages (a URL without password). */
  target: string;
  /** Plural noun of an item in messages: `points`, `rows`, `documents`. */
  unit: string;
  /** Sends one batch as one request; resolves (never rejects) with what happened. */
  send(items: T[]): Promise<SendOutcome>;
  /** One item as text, for the log line of an item rejected for good. */
  describe(item: T): string;
  batchSize: number;
  flushIntervalMs: number;
  maxBuffered: number;
  minRetryDelayMs: number;
  maxRetryDelayMs: number;
  retryJitter: number;
  breakerThreshold: number;
  breakerOpenMs: number;
  closeTimeoutMs: number;
  random: () => number;
  log: (message: string) => void;
  onWriteLatency?: (ms: number, items: number) => void;
  onRejected?: (items: T[], reason: string) => void;
}

export interface DeliveryStats {
  [name: string]: number;
  /** Items the store acknowledged. */
  written: number;
  /** Item sends repeated after a failed request (a 1000-item batch retried twice counts 2000). */
  retried: number;
  /** Items given up on: rejected as invalid, or undeliverable at close / after a fatal error. */
  failed: number;
  /** Items waiting in the buffer. */
  buffered: number;
  /** Acknowledged requests. */
  requests: number;
  failed_requests: number;
  breaker_opens: number;
  /** 1 while the circuit breaker is open or half-open. */
  breaker_open: number;
  /** push() calls that had to wait for room. */
  backpressure_waits: number;
}

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

const STILL_FAILING_EVERY_MS = 30_000;
const MAX_REJECTION_LOGS = 10;

export class Delivery<T> {
  private readonly queue = new OrderedQueue<T>();
  private readonly wakeup = new Wakeup();
  private readonly breaker: CircuitBreaker;
  private readonly counters = {
    written: 0,
    retried: 0,
    failed: 0,
    requests: 0,
    failed_requests: 0,
    backpressure_waits: 0,
  };
  private roomWaiters: Waiter[] = [];
  private flushWaiters: (Waiter & { target: number })[] = [];
  private loop: Promise<void> | null = null;
  /** Items per request; halved while bisecting a rejected batch, back to batchSize after a success. */
  private limit: number;
  private failuresInRow = 0;
  private retryAt = 0;
  private outageSince: number | null = null;
  /** The "pipeline paused" warning is given at most every 30 s. */
  private lastPauseWarnAt = Number.NEGATIVE_INFINITY;
  private lastWarnAt = 0;
  private lastError = '';
  private rejectionLogs = 0;
  private fatal: RtapError | null = null;
  private closing = false;
  private stopped = false;

  constructor(private readonly o: DeliveryOptions<T>) {
    this.breaker = new CircuitBreaker(
      o.breakerThreshold,
      o.breakerOpenMs,
      () => performance.now(),
      () => o.retryJitter * o.random(),
    );
    this.limit = o.batchSize;
  }

  push(items: T[]): Promise<void> | void {
    if (this.fatal) return Promise.reject(this.fatal);
    if (this.closing) return Promise.reject(new RtapError(`${this.o.sink}: write() after close()`));
    if (items.length === 0) return;
    const before = this.queue.size;
    this.queue.push(items, performance.now());
    // Wake the sender only when it has something new to decide on, not on every write.
    if (before === 0 || this.queue.size >= this.limit) this.wakeup.wake();
    this.loop ??= this.run();
    if (this.queue.size > this.o.maxBuffered) {
      this.counters.backpressure_waits++;
      const now = performance.now();
      if (now - this.lastPauseWarnAt >= STILL_FAILING_EVERY_MS) {
        this.lastPauseWarnAt = now;
        this.o.log(
          `buffer full (${this.queue.size} ${this.o.unit}): pausing the pipeline until ${this.o.target} accepts writes again`,
        );
      }
      return new Promise((resolve, reject) => this.roomWaiters.push({ resolve, reject }));
    }
  }

  flush(): Promise<void> {
    if (this.fatal) return Promise.reject(this.fatal);
    const target = this.queue.enqueued;
    if (this.queue.settled >= target) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.flushWaiters.push({ target, resolve, reject });
      this.wakeup.wake();
    });
  }

  /** Flushes; if the store is still unreachable after closeTimeoutMs, rejects with what was not written. */
  async close(): Promise<void> {
    if (this.closing) return this.loop?.then(() => undefined);
    this.closing = true;
    this.wakeup.wake();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>(
      (r) => (timer = setTimeout(() => r('timeout'), this.o.closeTimeoutMs)),
    );
    try {
      const outcome = await Promise.race([this.flush().then(() => 'done' as const), timedOut]);
      if (outcome === 'timeout') {
        // Stop the sender, let its in-flight request finish (bounded by the request timeout), then count what is left.
        this.stopped = true;
        this.wakeup.wake();
        await this.loop;
        const lost = this.queue.size;
        if (lost > 0) {
          this.giveUp(
            new RtapError(
              `${this.o.sink}: ${lost} ${this.o.unit} could not be delivered to ${this.o.target} within ` +
                `${this.o.closeTimeoutMs / 1000}s of closing (last error: ${this.lastError || 'none'}); they were not written`,
            ),
          );
          throw this.fatal;
        }
      }
    } finally {
      clearTimeout(timer);
      this.stopped = true;
      this.wakeup.wake();
      await this.loop;
    }
  }

  stats(): DeliveryStats {
    return {
      ...this.counters,
      buffered: this.queue.size,
      breaker_opens: this.breaker.opens,
      breaker_open: this.breaker.state === 'closed' ? 0 : 1,
    };
  }

  private async run(): Promise<void> {
    while (!this.stopped && !this.fatal) {
      const pending = this.queue.size;
      if (pending === 0) {
        if (this.closing) return;
        await this.wakeup.wait();
        continue;
      }
      const now = performance.now();
      const urgent = this.closing || this.flushWaiters.length > 0 || pending >= this.limit;
      if (!urgent) {
        const waited = now - (this.queue.oldestAt() ?? now);
        if (waited < this.o.flushIntervalMs) {
          await this.wakeup.wait(this.o.flushIntervalMs - waited);
          continue;
        }
      }
      const hold = Math.max(this.retryAt - now, this.breaker.waitMs());
      if (hold > 0) {
        await this.wakeup.wait(hold);
        continue;
      }
      const items = this.queue.peek(this.limit);
      const t0 = performance.now();
      const outcome = await this.o.send(items);
      this.handle(outcome, items, performance.now() - t0);
    }
  }

  private handle(outcome: SendOutcome, items: T[], ms: number): void {
    const n = items.length;
    if (outcome.ok) {
      this.counters.written += n;
      this.counters.requests++;
      this.o.onWriteLatency?.(ms, n);
      this.failuresInRow = 0;
      this.retryAt = 0;
      this.limit = this.o.batchSize;
      this.breaker.onSuccess();
      if (this.outageSince !== null) {
        this.o.log(
          `writes succeed again after ${((performance.now() - this.outageSince) / 1000).toFixed(1)}s of failures; ` +
            `${this.queue.size - n} ${this.o.unit} still buffered, none lost (retried so far: ${this.counters.retried})`,
        );
        this.outageSince = null;
      }
      this.settle(n);
      return;
    }
    this.counters.failed_requests++;
    this.lastError = outcome.reason;
    if (outcome.kind === 'retry') {
      this.counters.retried += n;
      this.failuresInRow++;
      const opened = this.breaker.onFailure();
      // Closed breaker: exponential backoff. Open: the breaker's probe cadence decides (see waitMs).
      const delay =
        this.breaker.state === 'closed'
          ? backoffDelay(this.failuresInRow, this.o, outcome.retryAfterMs)
          : outcome.retryAfterMs;
      this.retryAt = performance.now() + delay;
      this.warnOutage(outcome.reason, opened);
    } else if (outcome.kind === 'reject') {
      if (n > 1) {
        // Bisect: resend the first half alone until the offending item is isolated; good items still get in.
        this.limit = Math.ceil(n / 2);
        this.counters.retried += this.limit;
      } else {
        this.counters.failed += 1;
        this.o.onRejected?.(items, outcome.reason);
        if (this.rejectionLogs++ < MAX_REJECTION_LOGS) {
          this.o.log(
            `the server rejected one of the ${this.o.unit} for good (${outcome.reason}); counted in failed: ${this.o.describe(items[0]).slice(0, 200)}` +
              (this.rejectionLogs === MAX_REJECTION_LOGS ? ' (further rejections are only counted)' : ''),
          );
        }
        this.settle(1);
      }
    } else {
      this.giveUp(
        new RtapError(
          `${this.o.sink}: ${this.o.target} refused the write (${outcome.reason}); ${this.queue.size} buffered ${this.o.unit} were not written`,
          undefined,
          outcome.hint,
        ),
      );
    }
  }

  /** One warning when an outage begins, one when the breaker opens, then at most one per 30 s. */
  private warnOutage(reason: string, opened: boolean): void {
    const now = performance.now();
    const buffered = `${this.queue.size} ${this.o.unit} buffered${this.queue.size > this.o.maxBuffered ? ', writers paused' : ''}`;
    if (this.outageSince === null) {
      this.outageSince = now;
      this.lastWarnAt = now;
      this.o.log(`write to ${this.o.target} failed (${reason}); retrying with backoff, ${buffered}`);
    } else if (opened) {
      this.lastWarnAt = now;
      this.o.log(
        `circuit breaker open after ${this.breaker.consecutiveFailures} failed requests (${reason}); ` +
          `probing every ${this.o.breakerOpenMs / 1000}s, ${buffered}`,
      );
    } else if (now - this.lastWarnAt >= STILL_FAILING_EVERY_MS) {
      this.lastWarnAt = now;
      this.o.log(
        `still failing after ${((now - this.outageSince) / 1000).toFixed(0)}s (${reason}); ${buffered}`,
      );
    }
  }

  private settle(n: number): void {
    this.queue.settle(n);
    if (this.queue.size <= this.o.maxBuffered && this.roomWaiters.length) {
      const waiters = this.roomWaiters;
      this.roomWaiters = [];
      for (const w of waiters) w.resolve();
    }
    if (this.flushWaiters.length) {
      const done = this.flushWaiters.filter((w) => w.target <= this.queue.settled);
      this.flushWaiters = this.flushWaiters.filter((w) => w.target > this.queue.settled);
      for (const w of done) w.resolve();
    }
  }

  /** Everything still buffered is counted as failed and every waiter hears why. */
  private giveUp(err: RtapError): void {
    this.fatal = err;
    this.counters.failed += this.queue.size;
    this.queue.settle(this.queue.size);
    this.o.log(err.message);
    const waiters = [...this.roomWaiters, ...this.flushWaiters];
    this.roomWaiters = [];
    this.flushWaiters = [];
    for (const w of waiters) w.reject(err);
    this.wakeup.wake();
  }
}

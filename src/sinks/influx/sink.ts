import { RtapError } from '../../errors.js';
import type { Output, Sink } from '../types.js';
import { backoffDelay, CircuitBreaker } from './backoff.js';
import { resolveInfluxOptions, type InfluxSinkOptions, type ResolvedInfluxOptions } from './options.js';
import { alertLine, resultLine, type PointSettings } from './points.js';
import { LineQueue } from './queue.js';
import { Wakeup } from './wakeup.js';
import { BatchWriter, type SendOutcome } from './writer.js';

/**
 * The InfluxDB sink (docs/influx.md). write() encodes outputs into line protocol and appends them to a
 * bounded buffer; one sender loop takes up to batchSize lines from its front and sends them as one request.
 * Lines leave the buffer only when the server acknowledged them, so an outage costs time, never points:
 * failed requests are retried with exponential backoff and jitter, a circuit breaker turns a run of
 * failures into slow probing, and once the buffer is above its high-water mark write() returns a promise
 * that resolves when there is room again, which pauses the pipeline. One request is in flight at a time, so
 * points reach the server in the order they were written (a later write of the same point wins).
 */

export interface InfluxSinkStats {
  [name: string]: number;
  /** Points the server acknowledged. */
  written: number;
  /** Point sends repeated after a failed request (a 1000-point batch retried twice counts 2000). */
  retried: number;
  /** Points given up on: rejected by the server as invalid, or undeliverable at close/fatal error. */
  failed: number;
  /** Points waiting in the buffer. */
  buffered: number;
  /** Acknowledged write requests. */
  requests: number;
  failed_requests: number;
  breaker_opens: number;
  /** 1 while the circuit breaker is open or half-open. */
  breaker_open: number;
  /** write() calls that had to wait for room. */
  backpressure_waits: number;
  /** Early (non-final) results not written (includeEarly off). */
  skipped_early: number;
  /** NaN/Infinity field values left out of their points. */
  invalid_fields: number;
}

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

const STILL_FAILING_EVERY_MS = 30_000;
const MAX_REJECTION_LOGS = 10;

export class InfluxSink implements Sink {
  readonly name = 'influx';
  private readonly o: ResolvedInfluxOptions;
  private readonly points: PointSettings;
  private readonly writer: BatchWriter;
  private readonly queue = new LineQueue();
  private readonly wakeup = new Wakeup();
  private readonly breaker: CircuitBreaker;
  private readonly counters = {
    written: 0,
    retried: 0,
    failed: 0,
    requests: 0,
    failed_requests: 0,
    backpressure_waits: 0,
    skipped_early: 0,
    invalid_fields: 0,
  };
  private roomWaiters: Waiter[] = [];
  private flushWaiters: (Waiter & { target: number })[] = [];
  private loop: Promise<void> | null = null;
  /** Lines per request; halved while bisecting a rejected batch, back to batchSize after a success. */
  private limit: number;
  private failuresInRow = 0;
  private retryAt = 0;
  private outageSince: number | null = null;
  /** The "pipeline paused" warning is given at most every 30 s. */
  private lastPauseWarnAt = Number.NEGATIVE_INFINITY;
  private lastWarnAt = 0;
  private lastError = '';
  private rejectionLogs = 0;
  private warnedFields = new Set<string>();
  private fatal: RtapError | null = null;
  private closing = false;
  private stopped = false;

  constructor(options: InfluxSinkOptions) {
    this.o = resolveInfluxOptions(options);
    this.points = {
      measurementPrefix: this.o.measurementPrefix,
      alertMeasurement: this.o.alertMeasurement,
      tags: this.o.tags,
    };
    this.writer = new BatchWriter(this.o);
    this.breaker = new CircuitBreaker(
      this.o.breakerThreshold,
      this.o.breakerOpenMs,
      () => performance.now(),
      () => this.o.retryJitter * this.o.random(),
    );
    this.limit = this.o.batchSize;
  }

  write(outputs: Output[]): Promise<void> | void {
    if (this.fatal) return Promise.reject(this.fatal);
    if (this.closing) return Promise.reject(new RtapError('influx sink: write() after close()'));
    const lines: string[] = [];
    for (const out of outputs) {
      if (out.kind === 'alert') lines.push(alertLine(out.alert, this.points));
      else if (out.result.emit === 'final' || this.o.includeEarly)
        lines.push(resultLine(out.result, this.points, this.onInvalid));
      else this.counters.skipped_early++;
    }
    if (lines.length === 0) return;
    const before = this.queue.size;
    this.queue.push(lines, performance.now());
    // Wake the sender only when it has something new to decide on, not on every write.
    if (before === 0 || this.queue.size >= this.limit) this.wakeup.wake();
    this.loop ??= this.run();
    if (this.queue.size > this.o.maxBufferedPoints) {
      this.counters.backpressure_waits++;
      const now = performance.now();
      if (now - this.lastPauseWarnAt >= STILL_FAILING_EVERY_MS) {
        this.lastPauseWarnAt = now;
        this.o.log(
          `buffer full (${this.queue.size} points): pausing the pipeline until ${this.o.url} accepts writes again`,
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
        // Stop the sender, let its in-flight request finish (bounded by timeoutMs), then count what is left.
        this.stopped = true;
        this.wakeup.wake();
        await this.loop;
        const lost = this.queue.size;
        if (lost > 0) {
          this.giveUp(
            new RtapError(
              `influx sink: ${lost} points could not be delivered to ${this.o.url} within ` +
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
      this.writer.dispose();
    }
  }

  stats(): InfluxSinkStats {
    return {
      ...this.counters,
      buffered: this.queue.size,
      breaker_opens: this.breaker.opens,
      breaker_open: this.breaker.state === 'closed' ? 0 : 1,
    };
  }

  private onInvalid = (measurement: string, field: string, value: number): void => {
    this.counters.invalid_fields++;
    const id = `${measurement}.${field}`;
    if (!this.warnedFields.has(id)) {
      this.warnedFields.add(id);
      this.o.log(
        `field ${field} of ${measurement} is ${value}, which InfluxDB cannot store; left out of the point (counted in invalid_fields)`,
      );
    }
  };

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
      const lines = this.queue.peek(this.limit);
      const t0 = performance.now();
      const outcome = await this.writer.send(lines);
      this.handle(outcome, lines, performance.now() - t0);
    }
  }

  private handle(outcome: SendOutcome, lines: string[], ms: number): void {
    const n = lines.length;
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
            `${this.queue.size - n} points still buffered, none lost (retried so far: ${this.counters.retried})`,
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
        // Bisect: resend the first half alone until the offending line is isolated; good lines still get in.
        this.limit = Math.ceil(n / 2);
        this.counters.retried += this.limit;
      } else {
        this.counters.failed += 1;
        this.o.onRejected?.(lines, outcome.reason);
        if (this.rejectionLogs++ < MAX_REJECTION_LOGS) {
          this.o.log(
            `the server rejected a point for good (${outcome.reason}); counted in failed: ${lines[0].slice(0, 200)}` +
              (this.rejectionLogs === MAX_REJECTION_LOGS ? ' (further rejections are only counted)' : ''),
          );
        }
        this.settle(1);
      }
    } else {
      this.giveUp(
        new RtapError(
          `influx sink: ${this.o.url} refused the write (${outcome.reason}); ${this.queue.size} buffered points were not written`,
          undefined,
          outcome.status === 401 || outcome.status === 403
            ? 'check --influx-token / INFLUX_TOKEN'
            : 'check --influx-url, --influx-org and --influx-bucket (INFLUX_URL, INFLUX_ORG, INFLUX_BUCKET)',
        ),
      );
    }
  }

  /** One warning when an outage begins, one when the breaker opens, then at most one per 30 s. */
  private warnOutage(reason: string, opened: boolean): void {
    const now = performance.now();
    const buffered = `${this.queue.size} points buffered${this.queue.size > this.o.maxBufferedPoints ? ', writers paused' : ''}`;
    if (this.outageSince === null) {
      this.outageSince = now;
      this.lastWarnAt = now;
      this.o.log(`write to ${this.o.url} failed (${reason}); retrying with backoff, ${buffered}`);
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
    if (this.queue.size <= this.o.maxBufferedPoints && this.roomWaiters.length) {
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

export function createInfluxSink(options: InfluxSinkOptions): InfluxSink {
  return new InfluxSink(options);
}

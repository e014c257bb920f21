import { partitionKey, type Unread } from '../engine/watermark.js';
import type { Clock } from '../time/clock.js';
import type { PartitionBacklog } from '../transport/types.js';

export interface BacklogWatchOptions {
  /** How often the log is asked for its end offsets (wall ms). */
  intervalMs: number;
  /**
   * An answer older than this no longer tells whether a partition is caught up: every partition then
   * counts as unread (the engine's idle timeout, so no partition can go idle on stale knowledge).
   */
  staleMs: number;
  log?: (line: string) => void;
}

/**
 * What the consumer has not read yet, asked of the log every `intervalMs` (docs/views.md, "Idle
 * partitions"): the partitions with unread records, which are never idle, and the lag the status line and
 * the dashboard show. While the broker does not answer, the lag is unknown (not 0), no partition counts as
 * caught up, and the outage is said once when it starts and once, with its duration, when it ends.
 */
export class BacklogWatch {
  private last: PartitionBacklog[] | null = null;
  private answeredAt = Number.NEGATIVE_INFINITY;
  private askedAt = Number.NEGATIVE_INFINITY;
  private asking = false;
  private silentSince: number | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    /** Consumer.backlog */
    private readonly ask: () => Promise<PartitionBacklog[]>,
    private readonly clock: Clock,
    private readonly o: BacklogWatchOptions,
  ) {}

  /**
   * Asks on a timer of its own, not on the processor's ticks: those wait behind a batch or a checkpoint,
   * which is exactly what hangs while the broker is away.
   */
  start(): void {
    this.poll();
    this.timer = setInterval(() => this.poll(), this.o.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Asks the log now, unless a question is still out; never blocks the caller. */
  poll(): void {
    const now = this.clock.now();
    // The timer paces the questions; a due check here would skip every tick that fires a little early.
    if (this.asking) return;
    this.asking = true;
    this.askedAt = now;
    this.ask()
      .then(
        (b) => this.answered(b, now),
        (err: Error) => this.unanswered(err),
      )
      .finally(() => (this.asking = false));
  }

  /**
   * An answer tells how the log stood when it was asked, so it is as old as its question: a process
   * stopped (SIGSTOP, a stalled VM) with a question out reads, when it resumes, an answer the broker sent
   * before the stop; stamped with its arrival it would look fresh, say every partition was caught up,
   * and let all of them go idle on the stop's wall time.
   */
  private answered(backlog: PartitionBacklog[], askedAt: number): void {
    const now = this.clock.now();
    // No partitions yet (the group has not assigned them): that says nothing about the partitions a
    // restored state holds, which must not go idle on it.
    if (backlog.length > 0) {
      this.last = backlog;
      this.answeredAt = askedAt;
    }
    if (this.silentSince !== null) {
      this.o.log?.(
        `rtap process: the broker answers again after ${((now - this.silentSince) / 1000).toFixed(1)} s`,
      );
      this.silentSince = null;
    }
  }

  private unanswered(err: Error): void {
    if (this.silentSince !== null) return;
    this.silentSince = this.askedAt;
    this.o.log?.(
      `rtap process: warning: the broker does not answer (${err.message}); lag unknown, and no partition counts as idle until it answers`,
    );
  }

  private fresh(): boolean {
    return this.silentSince === null && this.clock.now() - this.answeredAt < this.o.staleMs;
  }

  /** Partitions with unread records, or 'all' while the log's answer is missing or stale. */
  unread(): Unread {
    if (!this.last || !this.fresh()) return 'all';
    return new Set(this.last.filter((b) => b.unread > 0).map((b) => partitionKey(b.topic, b.partition)));
  }

  /** The broker did not answer the last question: the lag is unknown. */
  silent(): boolean {
    return this.silentSince !== null;
  }

  /** Unread records per "topic/partition" from the latest answer; null while there is none or the broker is silent. */
  lag(): Map<string, number> | null {
    if (this.silentSince !== null || !this.last) return null;
    return new Map(this.last.map((b) => [partitionKey(b.topic, b.partition), b.unread]));
  }
}

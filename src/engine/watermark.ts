import { encodeNum, decodeNum } from './serial.js';

/**
 * Input partitions that still have unread records ("topic/partition" keys), or 'all' when the consumer
 * cannot tell (the broker does not answer): such a partition is never idle, whatever the wall clock says,
 * so a backlog read slowly or a broker outage never makes its events late (docs/views.md, "Idle partitions").
 */
export type Unread = ReadonlySet<string> | 'all';

export const partitionKey = (topic: string, partition: number) => `${topic}/${partition}`;

/** Event-time progress of one input partition. */
export interface PartitionClock {
  topic: string;
  partition: number;
  /** partitionKey(topic, partition) */
  key: string;
  /** Largest event time seen (-Infinity before the first event). */
  maxTs: number;
  /** Wall time of the last event (or of the assignment): idleness is measured from it. */
  lastWall: number;
  /** False once the partition has been quiet for the idle timeout: it no longer holds the watermark back. */
  active: boolean;
}

/**
 * Watermarks (DESIGN.md, "Time"): per partition, max event time - out-of-orderness; the pipeline's is the
 * minimum over active partitions and never goes back. A partition quiet for `idleTimeoutMs` of wall time
 * stops holding it back, unless it has unread records (`Unread`): only a caught-up, quiet partition is idle,
 * and one that turns out to have a backlog holds the watermark again. When every partition is quiet the stream as a whole is quiet: the watermark then
 * moves on with wall time (one event-time ms per wall ms after the idle timeout), so the last windows of a
 * stream that stopped still close instead of waiting forever for events that never come.
 */
export class WatermarkTracker {
  private readonly byTopic = new Map<string, PartitionClock[]>();
  private readonly all: PartitionClock[] = [];
  private wm = -Infinity;
  /** Watermark when every partition went quiet (null while any is active). */
  private quietBase: number | null = null;

  constructor(
    private readonly outOfOrdernessMs: number,
    private readonly idleTimeoutMs: number,
  ) {}

  watermark(): number {
    return this.wm;
  }

  partitions(): readonly PartitionClock[] {
    return this.all;
  }

  /** The clocks of the topic of the previous call: consecutive events nearly always share a topic. */
  private lastTopic: string | undefined;
  private lastClocks: PartitionClock[] = [];

  /** The clock of a partition, registered on first sight (active, holding the watermark until it sends). */
  clock(topic: string, partition: number, wallNow: number): PartitionClock {
    let arr = this.lastClocks;
    if (topic !== this.lastTopic) {
      arr = this.byTopic.get(topic) ?? [];
      this.byTopic.set(topic, arr);
      this.lastTopic = topic;
      this.lastClocks = arr;
    }
    let c = arr[partition];
    if (!c) {
      c = {
        topic,
        partition,
        key: partitionKey(topic, partition),
        maxTs: -Infinity,
        lastWall: wallNow,
        active: true,
      };
      arr[partition] = c;
      this.all.push(c);
    }
    return c;
  }

  /** Records an event; returns true when the pipeline watermark advanced. */
  observe(c: PartitionClock, eventTime: number, wallNow: number): boolean {
    c.lastWall = wallNow;
    const oldWm = c.maxTs - this.outOfOrdernessMs;
    let changed = false;
    if (eventTime > c.maxTs) {
      c.maxTs = eventTime;
      // Only a partition at (or below) the pipeline watermark can be the one holding it back.
      changed = oldWm <= this.wm;
    }
    if (!c.active) {
      // A partition waking up cannot pull the watermark back: its older events are late.
      c.active = true;
      this.quietBase = null;
      changed = true;
    }
    return changed ? this.recompute() : false;
  }

  /**
   * Re-evaluates idleness at `wallNow`; returns true when the pipeline watermark advanced. Without `unread`
   * (a source that cannot tell), idleness goes by the wall clock alone.
   */
  tick(wallNow: number, unread?: Unread): boolean {
    let anyActive = false;
    for (const c of this.all) {
      const behind = unread === 'all' || (unread !== undefined && unread.has(c.key));
      if (behind) {
        // Its records are on their way: it holds the watermark from where it stands (which cannot go back).
        c.lastWall = wallNow;
        c.active = true;
      } else if (c.active && wallNow - c.lastWall >= this.idleTimeoutMs) c.active = false;
      if (c.active) anyActive = true;
    }
    if (anyActive || this.all.length === 0) {
      this.quietBase = null;
      return this.recompute();
    }
    // The whole stream is quiet: move on with wall time from where the watermark stood when it went quiet.
    // Not from the most advanced partition: a replay stalled for a moment would make every event of the
    // partitions behind it late.
    if (this.quietBase === null) this.quietBase = this.wm;
    let lastWall = -Infinity;
    for (const c of this.all) if (c.lastWall > lastWall) lastWall = c.lastWall;
    return this.raise(this.quietBase + Math.max(0, wallNow - lastWall - this.idleTimeoutMs));
  }

  private recompute(): boolean {
    let min = Infinity;
    for (const c of this.all)
      if (c.active && c.maxTs - this.outOfOrdernessMs < min) min = c.maxTs - this.outOfOrdernessMs;
    return min === Infinity ? false : this.raise(min);
  }

  private raise(candidate: number): boolean {
    if (candidate > this.wm) {
      this.wm = candidate;
      return true;
    }
    return false;
  }

  snapshot() {
    return {
      watermark: encodeNum(this.wm),
      quietBase: this.quietBase === null ? null : encodeNum(this.quietBase),
      partitions: this.all.map((c) => ({
        topic: c.topic,
        partition: c.partition,
        maxTs: encodeNum(c.maxTs),
        lastWall: encodeNum(c.lastWall),
        active: c.active,
      })),
    };
  }

  restore(s: ReturnType<WatermarkTracker['snapshot']>): void {
    this.wm = decodeNum(s.watermark, 'watermark');
    this.quietBase = s.quietBase === null ? null : decodeNum(s.quietBase, 'quietBase');
    for (const p of s.partitions) {
      const c = this.clock(p.topic, p.partition, 0);
      c.maxTs = decodeNum(p.maxTs, `partition ${p.topic}:${p.partition} maxTs`);
      c.lastWall = decodeNum(p.lastWall, `partition ${p.topic}:${p.partition} lastWall`);
      c.active = p.active;
    }
  }
}

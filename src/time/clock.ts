/**
 * The Clock seam (DESIGN.md): wall time for latency and pacing, virtual in tests so that time-dependent
 * code runs deterministically and instantly.
 */
export interface Clock {
  /** Wall time, epoch ms with sub-millisecond resolution. */
  now(): number;
  /** Resolves after `ms` of this clock's time. */
  sleep(ms: number): Promise<void>;
}

const origin = performance.timeOrigin;

/** Monotonic (performance.now based) but expressed as epoch ms, so it can be compared to event times. */
export const systemClock: Clock = {
  now: () => origin + performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** A clock that only moves when told to; sleepers wake in time order as it advances. */
export class VirtualClock implements Clock {
  private t: number;
  private sleepers: { at: number; wake: () => void }[] = [];

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((wake) => {
      this.sleepers.push({ at: this.t + Math.max(0, ms), wake });
      this.sleepers.sort((a, b) => a.at - b.at);
    });
  }

  /** How many sleep() calls are waiting: tests advance time only when something waits for it. */
  get sleeping(): number {
    return this.sleepers.length;
  }

  /** Moves time forward, waking every sleeper whose time has come (in order, yielding between them). */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    while (this.sleepers.length && this.sleepers[0].at <= target) {
      const s = this.sleepers.shift()!;
      this.t = s.at;
      s.wake();
      await new Promise((r) => setImmediate(r));
    }
    this.t = target;
  }
}

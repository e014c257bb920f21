/**
 * A single-waiter wake-up signal with an optional timeout: the sink's sender loop sleeps on it until new
 * points arrive, a flush is requested, or its timer (flush interval, backoff) runs out. The timer is
 * cleared on wake so an idle sink holds no timers and does not keep the process alive.
 */
export class Wakeup {
  private resolve: (() => void) | null = null;
  private timer: NodeJS.Timeout | undefined;

  wait(ms?: number): Promise<void> {
    this.fire();
    return new Promise((resolve) => {
      this.resolve = resolve;
      if (ms !== undefined) this.timer = setTimeout(() => this.fire(), Math.max(0, ms));
    });
  }

  wake(): void {
    this.fire();
  }

  private fire(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const r = this.resolve;
    this.resolve = null;
    r?.();
  }
}

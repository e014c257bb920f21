import type { Alert, Severity } from '../events/results.js';

/**
 * Footer numbers of the alerts view: counts per pattern and per severity, alerts per minute over the
 * last minute, and when the last one arrived. Times are wall ms of arrival at the UI, so the rate is the
 * rate a person watching sees, whatever the alerts' own timestamps.
 */
export class AlertTally {
  total = 0;
  readonly byPattern = new Map<string, number>();
  readonly bySeverity: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  lastAt: number | null = null;
  /** Arrival times within the last minute (oldest first). */
  private recent: number[] = [];

  add(a: Alert, now: number): void {
    this.total++;
    this.byPattern.set(a.pattern, (this.byPattern.get(a.pattern) ?? 0) + 1);
    this.bySeverity[a.severity] = (this.bySeverity[a.severity] ?? 0) + 1;
    this.lastAt = now;
    this.recent.push(now);
    this.trim(now);
  }

  private trim(now: number): void {
    let drop = 0;
    while (drop < this.recent.length && this.recent[drop] <= now - 60_000) drop++;
    if (drop) this.recent.splice(0, drop);
  }

  /**
   * Alerts per minute over the last minute; before a minute has passed since `since`, the count is
   * scaled up from the time observed so far so the first seconds do not read as a low rate.
   */
  perMinute(now: number, since: number): number {
    this.trim(now);
    const observed = Math.min(60_000, Math.max(1000, now - since));
    return (this.recent.length * 60_000) / observed;
  }

  ageMs(now: number): number | null {
    return this.lastAt === null ? null : Math.max(0, now - this.lastAt);
  }

  /** Patterns by count, most frequent first (ties by name, so the order is stable). */
  patterns(): [string, number][] {
    return [...this.byPattern].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  }

  clear(): void {
    this.total = 0;
    this.byPattern.clear();
    this.bySeverity.critical = this.bySeverity.warning = this.bySeverity.info = 0;
    this.lastAt = null;
    this.recent = [];
  }
}

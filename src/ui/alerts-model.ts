import type { Alert } from '../events/results.js';
import { AlertBatches } from './alert-batches.js';
import { EMPTY_FILTER, matchesFilter, type AlertFilter } from './alert-filter.js';
import { AlertTally } from './alert-tally.js';

/** Most alerts held while paused; older ones beyond it are counted, not kept. */
export const HOLD_LIMIT = 10_000;

/**
 * State of the alerts tail, apart from rendering: the filter decides what is counted and shown; paused
 * alerts are held (and still counted) until resumed; `max` stops the tail after that many shown alerts.
 */
export class AlertsModel {
  readonly tally = new AlertTally();
  readonly batches = new AlertBatches();
  filter: AlertFilter;
  paused = false;
  /** Alerts received from the feed, matching or not (not reset by clear). */
  received = 0;
  /** Alerts that passed the filter (not reset by clear): what --max counts. */
  matched = 0;
  /** Received since the last clear but hidden by the filter. */
  hidden = 0;
  private held: Alert[] = [];
  private heldDropped = 0;
  /** Wall ms the rate is measured from (start, or the last clear). */
  since: number;

  constructor(
    filter: AlertFilter = EMPTY_FILTER,
    private readonly max: number | null = null,
    now = Date.now(),
  ) {
    this.filter = filter;
    this.since = now;
  }

  /** True once --max alerts have been accepted: the feed can stop. */
  get full(): boolean {
    return this.max !== null && this.matched >= this.max;
  }

  get heldCount(): number {
    return this.held.length + this.heldDropped;
  }

  /** Returns whether the alert passed the filter (and so changes what is shown). */
  add(a: Alert, now: number): boolean {
    if (this.full) return false;
    this.received++;
    if (!matchesFilter(a, this.filter)) {
      this.hidden++;
      return false;
    }
    this.matched++;
    this.tally.add(a, now);
    if (this.paused) {
      if (this.held.length < HOLD_LIMIT) this.held.push(a);
      else this.heldDropped++;
    } else this.batches.push(a);
    // The last alert a --max tail accepts must be printed even if the view is paused.
    if (this.full && this.paused) this.togglePause();
    return true;
  }

  togglePause(): void {
    this.paused = !this.paused;
    if (!this.paused) {
      for (const a of this.held) this.batches.push(a);
      if (this.heldDropped)
        this.batches.note(
          `… ${this.heldDropped} alerts arrived while paused beyond the ${HOLD_LIMIT} held: not shown`,
        );
      this.held = [];
      this.heldDropped = 0;
    }
  }

  setFilter(f: AlertFilter): void {
    this.filter = f;
  }

  /** Forgets counts and held alerts (the screen is cleared by the view). */
  clear(now: number): void {
    this.tally.clear();
    this.hidden = 0;
    this.held = [];
    this.heldDropped = 0;
    this.since = now;
  }
}

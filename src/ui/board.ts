import type { ViewResult } from '../events/results.js';
import { activeUsersOf, pageViewsPerSecOf, topPagesOf, UI_VIEWS, type RankedItem } from './view-fields.js';

/** The latest window of one view, early or final. */
interface Latest {
  windowStart: number;
  windowEnd: number;
  result: ViewResult;
}

export interface BoardState {
  topPages: RankedItem[];
  /** Window of the top pages (the current business minute). */
  topPagesWindow: { start: number; end: number } | null;
  /** Distinct users in the current 5 s realtime window. */
  activeUsersNow: number | null;
  /** Distinct users in the current business minute. */
  activeUsersMinute: number | null;
  pageViewsPerSec: number | null;
}

/**
 * What the live view shows from the engine's results: for each view it keeps the newest window (early
 * results refresh it every second; a final of an older window never overwrites a newer early one).
 */
export class Board {
  private latest = new Map<string, Latest>();
  private latestFinal = new Map<string, Latest>();

  /** Returns true when the result changed what the board shows. */
  onResult(r: ViewResult): boolean {
    if (r.view !== UI_VIEWS.business && r.view !== UI_VIEWS.realtime) return false;
    if (r.key !== '') return false;
    let changed = false;
    for (const map of r.emit === 'final' ? [this.latest, this.latestFinal] : [this.latest]) {
      const cur = map.get(r.view);
      if (cur && r.window_start < cur.windowStart) continue;
      map.set(r.view, { windowStart: r.window_start, windowEnd: r.window_end, result: r });
      changed = true;
    }
    return changed;
  }

  state(): BoardState {
    // The business minute is long: its running (early) result is what "top pages now" means. A 5 s
    // realtime window is short: its last complete (final) window gives a whole-window count and rate,
    // where the running one would read low for its first seconds.
    const business = this.latest.get(UI_VIEWS.business);
    const realtime = this.latestFinal.get(UI_VIEWS.realtime) ?? this.latest.get(UI_VIEWS.realtime);
    return {
      topPages: business ? topPagesOf(business.result) : [],
      topPagesWindow: business ? { start: business.windowStart, end: business.windowEnd } : null,
      activeUsersNow: realtime ? activeUsersOf(realtime.result) : null,
      activeUsersMinute: business ? activeUsersOf(business.result) : null,
      pageViewsPerSec: realtime ? pageViewsPerSecOf(realtime.result) : null,
    };
  }
}

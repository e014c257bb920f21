import type { Alert } from '../events/results.js';

/** One line of finished output: an alert, or a note (skipped lines, a cleared screen, ...). */
export type FinishedLine = { id: string; alert: Alert } | { id: string; note: string };

type Entry = { alert: Alert } | { note: string };

/**
 * Alerts waiting for the next frame, and the batch of finished lines the current frame prints. Each frame
 * gets a fresh batch (and generation number, used as the `<Static>` key), so printed lines are never kept:
 * memory stays flat however long the view runs. A frame prints at most `maxLinesPerFrame` alerts and a
 * note counting the rest, so an alert storm cannot scroll the terminal faster than anyone can read.
 */
export class AlertBatches {
  private pending: Entry[] = [];
  private alerts = 0;
  private skipped = 0;
  private seq = 0;
  generation = 0;
  batch: FinishedLine[] = [];

  constructor(private readonly maxLinesPerFrame = Number.POSITIVE_INFINITY) {}

  push(alert: Alert): void {
    if (this.alerts < this.maxLinesPerFrame) {
      this.pending.push({ alert });
      this.alerts++;
    } else this.skipped++;
  }

  note(note: string): void {
    this.pending.push({ note });
  }

  /** Moves what is pending into a new batch; returns false when there was nothing to move. */
  commit(): boolean {
    if (this.pending.length === 0 && this.skipped === 0) return false;
    const lines: FinishedLine[] = this.pending.map((e) => ({ id: String(this.seq++), ...e }));
    if (this.skipped)
      lines.push({
        id: String(this.seq++),
        note: `… and ${this.skipped} more alert${this.skipped === 1 ? '' : 's'} not shown (rate-limited display)`,
      });
    this.pending = [];
    this.alerts = 0;
    this.skipped = 0;
    this.batch = lines;
    this.generation++;
    return true;
  }
}

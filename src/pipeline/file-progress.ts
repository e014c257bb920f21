/**
 * Progress of `rtap process --input` for a person watching: on a terminal one line redrawn in place
 * (reading, then events processed of the total with rate and ETA); elsewhere a plain line every
 * `plainEveryMs` when the run is long, so logs of short runs stay quiet.
 */
export interface FileProgressSource {
  /** Records read from the file so far. */
  read(): number;
  /** Reading the file is done (the total is known). */
  readDone(): boolean;
  /** Records the processor has taken so far. */
  processed(): number;
  /**
   * Share of the input read so far (bytes of the file), when the records are processed as they are read:
   * the percentage and ETA then follow it, as the total count is not known before the end.
   */
  fraction?(): number | null;
}

export interface FileProgressOptions {
  file: string;
  stream: NodeJS.WriteStream;
  /** Redraw in place (a terminal, no CI, no --json). */
  interactive: boolean;
  intervalMs?: number;
  plainEveryMs?: number;
  now?: () => number;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The progress text for one moment of the run. */
export function progressText(
  file: string,
  p: {
    read: number;
    readDone: boolean;
    processed: number;
    ratePerSec: number | null;
    fraction?: number | null;
  },
): string {
  if (p.fraction !== undefined && p.fraction !== null) {
    // Streaming: the records processed so far, and how much of the file that is.
    const f = Math.min(1, Math.max(0, p.fraction));
    const rate = p.ratePerSec === null ? '' : ` · ${int(p.ratePerSec)} events/s`;
    const eta =
      p.ratePerSec && p.ratePerSec > 0 && f > 0
        ? ` · ETA ${formatEta(((1 - f) / f) * (p.processed / p.ratePerSec))}`
        : '';
    return `processing ${file}: ${int(p.processed)} events (${(100 * f).toFixed(0)}% of the file)${rate}${eta}`;
  }
  if (!p.readDone && p.processed === 0) return `reading ${file}: ${int(p.read)} records`;
  const total = p.read;
  const pct = total ? Math.min(100, (100 * p.processed) / total) : 100;
  const rate = p.ratePerSec === null ? '' : ` · ${int(p.ratePerSec)} events/s`;
  const eta =
    p.readDone && p.ratePerSec && p.ratePerSec > 0
      ? ` · ETA ${formatEta((total - p.processed) / p.ratePerSec)}`
      : '';
  return `processing ${file}: ${int(p.processed)} of ${int(total)}${p.readDone ? '' : '+'} events (${pct.toFixed(0)}%)${rate}${eta}`;
}

export class FileProgress {
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private samples: { at: number; processed: number }[] = [];
  private lastPlain: number;
  private drawn = false;

  constructor(
    private readonly source: FileProgressSource,
    private readonly o: FileProgressOptions,
  ) {
    this.now = o.now ?? (() => performance.now());
    this.lastPlain = this.now();
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.o.intervalMs ?? 250);
    this.timer.unref();
  }

  /** The rate over the last few seconds, so the ETA follows the current speed. */
  private rate(at: number, processed: number): number | null {
    this.samples.push({ at, processed });
    while (this.samples.length > 2 && at - this.samples[0].at > 3000) this.samples.shift();
    const first = this.samples[0];
    const dt = (at - first.at) / 1000;
    return dt >= 0.5 ? (processed - first.processed) / dt : null;
  }

  tick(): void {
    const at = this.now();
    const processed = this.source.processed();
    const text = progressText(this.o.file, {
      read: this.source.read(),
      readDone: this.source.readDone(),
      processed,
      ratePerSec: this.rate(at, processed),
      fraction: this.source.fraction?.(),
    });
    if (this.o.interactive) {
      // \r and erase-line: the line is redrawn in place, nothing scrolls.
      this.o.stream.write(`\r\x1b[K${text}`);
      this.drawn = true;
    } else if (at - this.lastPlain >= (this.o.plainEveryMs ?? 10_000)) {
      this.lastPlain = at;
      this.o.stream.write(`rtap process: ${text}\n`);
    }
  }

  /** Stops and erases the line, so the summary starts on a clean line. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.drawn) this.o.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}

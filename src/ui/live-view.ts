import { canRedraw } from './terminal.js';
import type { Alert, ViewResult } from '../events/results.js';
import type { LiveSnapshot } from '../pipeline/live-stats.js';
import { Board } from './board.js';
import { alertText, snapshotLine } from './plain.js';
import type { AlertSource, ResultSource, SnapshotSource } from './sources.js';

export interface StartLiveViewOptions {
  /** The sampler of the running pipeline (LiveStats); its `processor` supplies results and alerts. */
  live: SnapshotSource & { processor: ResultSource & AlertSource };
  /** e.g. "rtap bench". */
  title: string;
  /** e.g. the transport description. */
  subtitle?: string;
  /** Where the view goes; ink needs a terminal, anything else gets plain lines. */
  stdout: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** Redraw cap of the interactive view (ms between frames); default 250 (4 fps). */
  refreshMs?: number;
  color: boolean;
  /** The command's decision that live redraws are wanted (TTY, no CI, no --json). */
  interactive: boolean;
  /** Planned run length in seconds, if known. */
  totalS?: number | null;
  /** Plain mode: one status line every this many seconds (default 5). */
  plainEveryS?: number;
  /** Plain mode: also print each alert as a line (default false: progress only). */
  plainAlerts?: boolean;
  /** The user pressed q (interactive only). */
  onQuit?(): void;
  /** The user pressed Ctrl-C: in raw mode the terminal sends no SIGINT, so the caller decides. */
  onInterrupt?(): void;
}

export interface LiveViewHandle {
  readonly mode: 'ink' | 'plain';
  /** Stops redrawing; the interactive view leaves its last frame on screen. */
  stop(): void;
}

/**
 * The live view of a running pipeline, for `rtap run`, `rtap bench` and `rtap process`. Like tapjs's
 * reporter registry: the same data feeds an ink component on an interactive terminal and a plain
 * serializer (periodic status lines) everywhere else.
 */
let ink: typeof import('./live-view-ink.js') | null = null;

/**
 * Loads the interactive view (ink, React, yoga: about a second of start-up) if `stdout` will be redrawn;
 * startLiveView needs it then. Loaded on demand so that commands without a terminal, such as a restarted
 * `rtap process` under a supervisor, start sooner.
 */
export async function loadLiveView(stdout: NodeJS.WriteStream, interactive: boolean): Promise<void> {
  if (canRedraw(stdout, interactive)) ink ??= await import('./live-view-ink.js');
}

export function startLiveView(o: StartLiveViewOptions): LiveViewHandle {
  if (!canRedraw(o.stdout, o.interactive)) return startPlain(o);
  if (!ink) throw new Error('startLiveView on a terminal: await loadLiveView() first');
  return ink.startInk(o);
}

function startPlain(o: StartLiveViewOptions): LiveViewHandle {
  const board = new Board();
  const every = o.plainEveryS ?? 5;
  let lastPrinted = -Infinity;
  const onResult = (r: ViewResult) => void board.onResult(r);
  const onSnapshot = (s: LiveSnapshot) => {
    if (s.uptimeS - lastPrinted < every) return;
    lastPrinted = s.uptimeS;
    o.stdout.write(snapshotLine(o.title, s, board.state()) + '\n');
  };
  const onAlert = (a: Alert) => o.stdout.write(alertText(a) + '\n');
  o.live.on('snapshot', onSnapshot);
  o.live.processor.on('result', onResult);
  if (o.plainAlerts) o.live.processor.on('alert', onAlert);
  return {
    mode: 'plain',
    stop() {
      o.live.off('snapshot', onSnapshot);
      o.live.processor.off('result', onResult);
      o.live.processor.off('alert', onAlert);
    },
  };
}

import { render } from 'ink';
import { canRedraw } from './terminal.js';
import type { Alert } from '../events/results.js';
import { matchesFilter, type AlertFilter } from './alert-filter.js';
import { AlertsView } from './components/AlertsView.js';
import { alertJson } from './plain.js';
import type { AlertSource, StatusSource } from './sources.js';

export interface StartAlertsViewOptions {
  feed: AlertSource;
  status?: StatusSource;
  /** What is followed, for the footer. */
  source: string;
  filter: AlertFilter;
  max?: number | null;
  stdout: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** Interactive terminal wanted (TTY, no CI) and no --json. */
  interactive: boolean;
  color: boolean;
  refreshMs?: number;
  onInterrupt?(): void;
}

export type AlertsViewEnd = 'quit' | 'max';

export interface AlertsViewHandle {
  readonly mode: 'ink' | 'json';
  /** Settles when the user quits (q) or --max alerts were shown. */
  readonly done: Promise<AlertsViewEnd>;
  stop(): void;
}

/**
 * The alerts tail: an ink view on an interactive terminal, otherwise one JSON object per line on stdout
 * (the same filter and --max apply), so `rtap alerts | jq` works.
 */
export function startAlertsView(o: StartAlertsViewOptions): AlertsViewHandle {
  return canRedraw(o.stdout, o.interactive) ? startInk(o) : startJson(o);
}

function startJson(o: StartAlertsViewOptions): AlertsViewHandle {
  let shown = 0;
  let finish: (end: AlertsViewEnd) => void = () => {};
  const done = new Promise<AlertsViewEnd>((resolve) => (finish = resolve));
  const onAlert = (a: Alert) => {
    if (o.max != null && shown >= o.max) return;
    if (!matchesFilter(a, o.filter)) return;
    shown++;
    o.stdout.write(alertJson(a) + '\n');
    if (o.max != null && shown >= o.max) finish('max');
  };
  o.feed.on('alert', onAlert);
  return {
    mode: 'json',
    done,
    stop: () => void o.feed.off('alert', onAlert),
  };
}

function startInk(o: StartAlertsViewOptions): AlertsViewHandle {
  const refreshMs = Math.max(16, o.refreshMs ?? 250);
  let finish: (end: AlertsViewEnd) => void = () => {};
  const done = new Promise<AlertsViewEnd>((resolve) => (finish = resolve));
  const instance = render(
    <AlertsView
      feed={o.feed}
      status={o.status}
      source={o.source}
      filter={o.filter}
      max={o.max}
      refreshMs={refreshMs}
      color={o.color}
      keys
      onQuit={() => finish('quit')}
      onInterrupt={o.onInterrupt}
      onDone={() => finish('max')}
    />,
    {
      stdout: o.stdout,
      stdin: o.stdin ?? process.stdin,
      exitOnCtrlC: false,
      patchConsole: false,
      maxFps: Math.ceil(1000 / refreshMs),
    },
  );
  let stopped = false;
  return {
    mode: 'ink',
    done,
    stop() {
      if (stopped) return;
      stopped = true;
      instance.unmount();
      instance.cleanup();
    },
  };
}

import { render } from 'ink';
import { LiveView } from './components/LiveView.js';
import type { LiveViewHandle, StartLiveViewOptions } from './live-view.js';

/** The interactive live view (ink); live-view.ts loads this module only when it draws on a terminal. */
export function startInk(o: StartLiveViewOptions): LiveViewHandle {
  const refreshMs = Math.max(16, o.refreshMs ?? 250);
  const instance = render(
    <LiveView
      title={o.title}
      subtitle={o.subtitle}
      stats={o.live}
      outputs={o.live.processor}
      refreshMs={refreshMs}
      color={o.color}
      totalS={o.totalS}
      keys={Boolean(o.onQuit || o.onInterrupt)}
      onQuit={o.onQuit}
      onInterrupt={o.onInterrupt}
    />,
    {
      stdout: o.stdout,
      stdin: o.stdin ?? process.stdin,
      // Ctrl-C in raw mode arrives as a key: the view hands it to onInterrupt, the command stops cleanly.
      exitOnCtrlC: false,
      patchConsole: false,
      maxFps: Math.ceil(1000 / refreshMs),
    },
  );
  let stopped = false;
  return {
    mode: 'ink',
    stop() {
      if (stopped) return;
      stopped = true;
      instance.unmount();
      instance.cleanup();
    },
  };
}

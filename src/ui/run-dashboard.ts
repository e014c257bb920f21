import { EXIT, RtapError } from '../errors.js';
import type { Dashboard } from '../dashboard/index.js';
import type { Money } from '../events/currency.js';
import type { DeferredFeed } from './deferred-feed.js';

/** Starts the dashboard on `port`, turning the usual bind failures into messages that say what to do. */
export async function startRunDashboard(port: number, feed: DeferredFeed, money?: Money): Promise<Dashboard> {
  // Imported only when a dashboard is wanted: `--dashboard off` never loads the web server.
  const { startDashboard } = await import('../dashboard/index.js');
  try {
    return await startDashboard({ port, feed, store: { money } });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE')
      throw new RtapError(
        `port ${port} is already in use (dashboard)`,
        EXIT.FAILURE,
        'choose another with --dashboard <port> (0 picks a free one), or --dashboard off',
      );
    if (e.code === 'EACCES')
      throw new RtapError(
        `port ${port} needs privileges (dashboard)`,
        EXIT.FAILURE,
        'choose a port above 1023 with --dashboard <port>',
      );
    throw err;
  }
}

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { systemClock, type Clock } from '../time/clock.js';
import { loadAssets } from './assets.js';
import { authorized, sameOrigin } from './auth.js';
import type { DashboardFeed } from './feed.js';
import { FanoutHub, type HubStats } from './hub.js';
import type { KpiArchive } from './mongo-kpis.js';
import { handleApi } from './rest.js';
import { DashboardStore, type StoreOptions } from './store.js';

export type { DashboardFeed, FeedListener } from './feed.js';
export { liveStatsFeed } from './feeds/live.js';
export { topicFeed, type TopicFeedOptions } from './feeds/topics.js';
export type { HealthSample } from './types.js';

export interface DashboardOptions {
  /** 0 picks a free port (see the returned url). */
  port: number;
  /** Bound to localhost by default; anything else should come with a token. */
  host?: string;
  /** Required on every request when set: `?token=`, `Authorization: Bearer`, or `X-Rtap-Token`. */
  token?: string;
  feed: DashboardFeed;
  /** One WebSocket message per client per interval. */
  batchIntervalMs?: number;
  /** Unsent bytes above which a client is treated as slow (gets the latest state later instead). */
  highWaterBytes?: number;
  /** /health says `stale` after this long without data. */
  staleAfterMs?: number;
  /** Further WebSocket connections are refused with 503. */
  maxClients?: number;
  /** History sizes. */
  store?: Omit<StoreOptions, 'feed' | 'clock'>;
  /** /kpis?minutes_back= reads this store (the MongoDB hot store) instead of the in-memory history. */
  kpiArchive?: KpiArchive;
  clock?: Clock;
}

export interface Dashboard {
  /** http://host:port/ (without the token). */
  url: string;
  port: number;
  close(): Promise<void>;
  clients(): number;
  stats(): HubStats;
  readonly store: DashboardStore;
  /** Sends the pending batch now (tests, benches); the timer does it every batch interval. */
  flush(): void;
}

const SECURITY_HEADERS = {
  // Only the page's own scripts run, even if a value ever reached the DOM as markup; the WebSocket and
  // REST calls go to the same host.
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  head: boolean,
  extra: Record<string, string> = {},
) {
  res.writeHead(status, {
    'content-type': contentType,
    'cache-control': 'no-store',
    ...SECURITY_HEADERS,
    ...extra,
  });
  res.end(head ? undefined : body);
}

function rejectUpgrade(socket: Socket, status: number, text: string) {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * Starts the dashboard: the page, its WebSocket stream (/ws), the REST endpoints and /metrics, fed by
 * `feed`. In-process: `startDashboard({ port, feed: liveStatsFeed(live) })`; standalone:
 * `startDashboard({ port, feed: topicFeed({ transport }) })`.
 */
export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const host = o.host ?? '127.0.0.1';
  const clock = o.clock ?? systemClock;
  const assets = loadAssets();
  const store = new DashboardStore({ ...o.store, feed: o.feed.description, clock });
  const hub = new FanoutHub(store, {
    batchIntervalMs: o.batchIntervalMs ?? 1000,
    highWaterBytes: o.highWaterBytes,
    clock,
  });
  const startedAt = clock.now();
  const api = {
    store,
    hub,
    startedAt,
    now: () => clock.now(),
    staleAfterMs: o.staleAfterMs ?? 10_000,
    kpiArchive: o.kpiArchive,
  };
  const maxClients = o.maxClients ?? 10_000;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head)
      return send(
        res,
        405,
        'application/json',
        JSON.stringify({ error: `method ${req.method} not allowed` }),
        false,
        { allow: 'GET, HEAD' },
      );
    const url = new URL(req.url ?? '/', 'http://dashboard');
    if (!authorized(req, url, o.token)) {
      return send(
        res,
        401,
        'application/json',
        JSON.stringify({
          error: 'missing or wrong access token: pass ?token=, Authorization: Bearer <token> or X-Rtap-Token',
        }),
        head,
      );
    }
    const asset = assets.get(url.pathname);
    if (asset) return send(res, 200, asset.contentType, asset.body, head);
    let out;
    try {
      out = handleApi(url.pathname, url, api);
    } catch (err) {
      return send(res, 500, 'application/json', JSON.stringify({ error: (err as Error).message }), head);
    }
    const reply = (r: typeof out) => {
      if (r && !(r instanceof Promise)) return send(res, r.status, r.contentType, r.body, head);
      send(res, 404, 'application/json', JSON.stringify({ error: `no such path: ${url.pathname}` }), head);
    };
    if (out instanceof Promise) void out.then(reply);
    else reply(out);
  });

  // Clients only listen: a small maxPayload stops anyone from pushing large frames at the server.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, headBuf: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    if (url.pathname !== '/ws') return rejectUpgrade(socket, 404, 'Not Found');
    if (!authorized(req, url, o.token)) return rejectUpgrade(socket, 401, 'Unauthorized');
    if (!sameOrigin(req)) return rejectUpgrade(socket, 403, 'Forbidden');
    if (hub.size() >= maxClients) return rejectUpgrade(socket, 503, 'Service Unavailable');
    wss.handleUpgrade(req, socket, headBuf, (ws) => hub.add(ws));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  const unsubscribe = o.feed.subscribe({
    result: (r) => store.onResult(r),
    alert: (a) => store.onAlert(a),
    health: (h) => store.onHealth(h),
  });
  hub.start();
  const shownHost = host.includes(':') ? `[${host}]` : host;

  let closed: Promise<void> | null = null;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    store,
    clients: () => hub.size(),
    stats: () => hub.stats(),
    flush: () => hub.flush(),
    close() {
      closed ??= (async () => {
        unsubscribe();
        hub.stop();
        hub.closeAll();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closed;
    },
  };
}

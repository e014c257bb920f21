import { WebSocket } from 'ws';
import { systemClock, type Clock } from '../time/clock.js';
import { sendFramed, textFrame } from './frame.js';
import type { DashboardStore } from './store.js';
import type { WireMessage } from './types.js';

export interface HubOptions {
  /** One message per client per interval: changes are batched server-side. */
  batchIntervalMs: number;
  /**
   * A client whose unsent bytes exceed this is not sent further deltas; once it drains it gets one full
   * snapshot of the latest state instead. This bounds a slow client's memory to about this plus one
   * snapshot, however long it stalls.
   */
  highWaterBytes?: number;
  /** Ping interval; a client that misses a pong for two intervals is dropped. */
  pingIntervalMs?: number;
  clock?: Clock;
}

interface Encoded {
  data: Buffer;
  frame: Buffer;
}

interface Client {
  ws: WebSocket;
  /** Missed deltas: the next message must be a full snapshot. */
  stale: boolean;
  alive: boolean;
}

export interface HubStats {
  clients: number;
  batches: number;
  messagesSent: number;
  bytesSent: number;
  /** Deltas not sent to a slow client (replaced by a later full snapshot). */
  coalesced: number;
  /** Full snapshots sent to clients that had fallen behind. */
  resyncs: number;
  /** Clients dropped for missing pongs. */
  timedOut: number;
  /** Largest unsent backlog (ws.bufferedAmount) any client had right after a batch: the memory bound. */
  peakBufferedBytes: number;
  /** Time the last / slowest batch took to build and hand to every client, ms. */
  lastFlushMs: number;
  maxFlushMs: number;
}

/**
 * WebSocket fan-out: every batch interval it takes the store's delta once, serialises it once and sends
 * the same bytes to every client. A client that cannot keep up (ws.bufferedAmount above the high-water
 * mark) skips deltas and later receives the latest full state: never an unbounded backlog.
 */
export class FanoutHub {
  private clients = new Set<Client>();
  private timer: NodeJS.Timeout | null = null;
  private pinger: NodeJS.Timeout | null = null;
  private seq = 0;
  private readonly clock: Clock;
  private readonly highWater: number;
  readonly counters: Omit<HubStats, 'clients'> = {
    batches: 0,
    messagesSent: 0,
    bytesSent: 0,
    coalesced: 0,
    resyncs: 0,
    timedOut: 0,
    peakBufferedBytes: 0,
    lastFlushMs: 0,
    maxFlushMs: 0,
  };

  constructor(
    private readonly store: DashboardStore,
    private readonly o: HubOptions,
  ) {
    if (!(o.batchIntervalMs > 0))
      throw new RangeError(`batch interval must be > 0 ms, got ${o.batchIntervalMs}`);
    this.clock = o.clock ?? systemClock;
    this.highWater = o.highWaterBytes ?? 1024 * 1024;
  }

  start(): void {
    this.timer = setInterval(() => this.flush(), this.o.batchIntervalMs);
    this.pinger = setInterval(() => this.ping(), this.o.pingIntervalMs ?? 30_000);
    this.pinger.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.pinger) clearInterval(this.pinger);
    this.timer = this.pinger = null;
  }

  add(ws: WebSocket): void {
    const client: Client = { ws, stale: false, alive: true };
    this.clients.add(client);
    ws.on('pong', () => (client.alive = true));
    ws.on('close', () => this.clients.delete(client));
    ws.on('error', () => this.clients.delete(client));
    // The page only listens; anything it sends is ignored (maxPayload on the server bounds it).
    this.sendRaw(client, this.encode(this.initMessage()));
  }

  size(): number {
    return this.clients.size;
  }

  stats(): HubStats {
    return { clients: this.clients.size, ...this.counters };
  }

  private initMessage(): WireMessage {
    return {
      type: 'init',
      seq: this.seq,
      ts: this.clock.now(),
      age_ms: this.store.ageMs(),
      state: this.store.snapshot(),
    };
  }

  /** The message and its WebSocket frame, built once and sent to every client. */
  private encode(msg: WireMessage): Encoded {
    const data = Buffer.from(JSON.stringify(msg));
    return { data, frame: textFrame(data) };
  }

  private sendRaw(client: Client, m: Encoded): void {
    this.counters.messagesSent++;
    this.counters.bytesSent += m.data.length;
    sendFramed(client.ws, m.frame, m.data);
  }

  /** Builds this interval's batch and sends it (the timer calls this; tests and benches may too). */
  flush(): void {
    const started = performance.now();
    this.counters.batches++;
    const delta = this.store.takeDelta();
    // Even without changes a small message goes out, so the page can show the age of the data.
    this.seq++;
    const ts = this.clock.now();
    const msg: WireMessage = {
      type: 'update',
      seq: this.seq,
      ts,
      age_ms: this.store.ageMs(),
      delta: delta ?? {},
    };
    const deltaBytes = this.encode(msg);
    let fullBytes: Encoded | null = null;
    for (const c of this.clients) {
      if (c.ws.readyState !== WebSocket.OPEN) continue;
      if (c.ws.bufferedAmount > this.highWater) {
        this.notePeak(c);
        c.stale = true;
        this.counters.coalesced++;
        continue;
      }
      if (c.stale) {
        fullBytes ??= this.encode({
          type: 'init',
          seq: this.seq,
          ts,
          age_ms: msg.age_ms,
          state: this.store.snapshot(),
        });
        c.stale = false;
        this.counters.resyncs++;
        this.sendRaw(c, fullBytes);
      } else this.sendRaw(c, deltaBytes);
      this.notePeak(c);
    }
    const took = performance.now() - started;
    this.counters.lastFlushMs = took;
    if (took > this.counters.maxFlushMs) this.counters.maxFlushMs = took;
  }

  private notePeak(c: Client): void {
    if (c.ws.bufferedAmount > this.counters.peakBufferedBytes)
      this.counters.peakBufferedBytes = c.ws.bufferedAmount;
  }

  private ping(): void {
    for (const c of this.clients) {
      if (!c.alive) {
        this.counters.timedOut++;
        this.clients.delete(c);
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }

  /** Closes every client connection. */
  closeAll(code = 1001, reason = 'dashboard stopping'): void {
    for (const c of this.clients) c.ws.close(code, reason);
    this.clients.clear();
  }
}

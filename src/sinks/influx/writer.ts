import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HttpError, InfluxDB, type WriteApi } from '@influxdata/influxdb-client';
import type { SendOutcome } from '../delivery/delivery.js';
import type { ResolvedInfluxOptions } from './options.js';

/**
 * Sends one batch of line-protocol lines as exactly one `/api/v2/write` request and says what happened.
 *
 * Why drive the client's WriteApi this way rather than let it batch and retry: its retry buffer drops
 * the oldest lines when it overflows (`maxBufferLines`) and gives up after `maxRetryTime`, and its
 * automatic flushes swallow errors; rtap must never lose a point silently and must apply back-pressure
 * instead. So the WriteApi is configured to never flush on its own (batch limit above what we hand it,
 * no flush timer, no byte limit), never retry (`maxRetries: 0`), and never log (`writeFailed` rejects), and
 * the sink owns batching, retries, the breaker and the buffer. The client still does the HTTP, gzip,
 * precision and status checks.
 */

/**
 * Transient (network error, timeout, 408, 429, 5xx): retried. The server rejected the content (400, 422)
 * or its size (413): bisected to find the bad lines. Every request will fail the same way (401, 403,
 * 404...): a configuration problem, fatal.
 */
export type { SendOutcome };

export function describeError(e: unknown): string {
  if (e instanceof HttpError) {
    const detail = (
      e.json && typeof e.json.message === 'string' ? e.json.message : e.body || e.message || ''
    ).trim();
    return `HTTP ${e.statusCode}${e.statusMessage ? ` ${e.statusMessage}` : ''}${detail ? `: ${detail.slice(0, 300)}` : ''}`;
  }
  const err = e as NodeJS.ErrnoException;
  return err?.code && !String(err.message).includes(err.code)
    ? `${err.code} ${err.message}`
    : String(err?.message ?? e);
}

export function classify(e: unknown): SendOutcome {
  const reason = describeError(e);
  if (!(e instanceof HttpError)) return { ok: false, kind: 'retry', reason, retryAfterMs: 0 };
  const s = e.statusCode;
  if (s === 408 || s === 429 || s >= 500)
    return { ok: false, kind: 'retry', reason, retryAfterMs: e.retryAfter() * 1000 };
  if (s === 400 || s === 413 || s === 422) return { ok: false, kind: 'reject', reason };
  return {
    ok: false,
    kind: 'fatal',
    reason,
    hint:
      s === 401 || s === 403
        ? 'check --influx-token / INFLUX_TOKEN'
        : 'check --influx-url, --influx-org and --influx-bucket (INFLUX_URL, INFLUX_ORG, INFLUX_BUCKET)',
  };
}

/**
 * The client reports a request timeout but leaves the request's connection open, waiting for an answer
 * it will ignore. Against a hung server (it accepts connections, never answers) every retry would leave
 * one more open connection behind for as long as the hang lasts; this agent closes a connection when its
 * request times out. (The server may still execute a request it had queued: retries are idempotent by
 * point identity, docs/influx.md.)
 */
export function closingAgent(url: string): HttpAgent {
  const agent =
    new URL(url).protocol === 'https:'
      ? new HttpsAgent({ keepAlive: true })
      : new HttpAgent({ keepAlive: true });
  const create = agent.createConnection.bind(agent);
  agent.createConnection = (options, callback) => {
    const socket = create(options, callback);
    socket?.once('timeout', () => socket.destroy());
    return socket;
  };
  return agent;
}

export class BatchWriter {
  private readonly api: WriteApi;
  private readonly agent: HttpAgent;

  constructor(o: ResolvedInfluxOptions) {
    this.agent = closingAgent(o.url);
    const client = new InfluxDB({
      url: o.url,
      token: o.token || undefined,
      timeout: o.timeoutMs,
      transportOptions: { agent: this.agent },
    });
    this.api = client.getWriteApi(o.org, o.bucket, 'ms', {
      batchSize: o.batchSize + 1,
      flushInterval: 0,
      maxBatchBytes: Number.POSITIVE_INFINITY,
      maxRetries: 0,
      gzipThreshold: o.gzip ? 1000 : Number.POSITIVE_INFINITY,
      writeFailed: (error: Error) => Promise.reject(error),
    });
  }

  /** At most batchSize lines; resolves (never rejects) with the outcome of one request. */
  async send(lines: string[]): Promise<SendOutcome> {
    try {
      this.api.writeRecords(lines);
      await this.api.flush();
      return { ok: true };
    } catch (e) {
      return classify(e);
    }
  }

  /** Releases the client; nothing is buffered inside it between sends. */
  dispose(): void {
    this.api.dispose();
    this.agent.destroy();
  }
}

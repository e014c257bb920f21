import type { Collection, MongoClient } from 'mongodb';
import type { SendOutcome } from '../delivery/delivery.js';
import type { KpiDocument } from './documents.js';
import type { ResolvedMongoOptions } from './options.js';

/** Server error codes a later attempt can get past: shutdown, step-down, network, write conflicts. */
const TRANSIENT_CODES = new Set([6, 7, 89, 91, 112, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 50]);
const AUTH_CODES = new Set([13, 18]);
/** What the driver says when the connection, not the request, failed. */
const NETWORK_MESSAGE = /timed out|ECONNREFUSED|ECONNRESET|EPIPE|socket|connection .* closed/i;

/**
 * Sends one batch of minute documents as one ordered bulk write of upserts by `_id` (the minute), so a
 * re-delivered minute replaces its document. Before the first batch it sets up retention: a TTL index on
 * `stored_at` where the server has TTL indexes; where it does not (FerretDB 1.x answers NotImplemented),
 * it deletes expired documents itself, at most every purgeIntervalMs, before a batch.
 */
export class MongoWriter {
  private client: MongoClient | null = null;
  private collection: Collection<KpiDocument> | null = null;
  private retentionReady = false;
  private purgeByHand = false;
  private lastPurge = Number.NEGATIVE_INFINITY;
  purged = 0;

  /** `newClient` makes a client: one that failed to reach the server is replaced (the driver closes it for good). */
  constructor(
    private readonly newClient: () => MongoClient,
    private readonly o: ResolvedMongoOptions,
    private readonly now: () => number = Date.now,
  ) {}

  async send(docs: KpiDocument[]): Promise<SendOutcome> {
    const outcome = await this.attempt(docs);
    if (!outcome.ok && outcome.kind === 'retry') this.discard();
    return outcome;
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    this.collection = null;
    await c?.close();
  }

  private discard(): void {
    void this.client?.close(true).catch(() => {});
    this.client = null;
    this.collection = null;
  }

  private async attempt(docs: KpiDocument[]): Promise<SendOutcome> {
    try {
      const col = await this.ready();
      if (this.purgeByHand && this.now() - this.lastPurge >= this.o.purgeIntervalMs) {
        const r = await col.deleteMany({ stored_at: { $lt: new Date(this.now() - this.o.retentionMs) } });
        this.purged += r.deletedCount;
        this.lastPurge = this.now();
      }
      await col.bulkWrite(
        docs.map((d) => ({ replaceOne: { filter: { _id: d._id }, replacement: d, upsert: true } })),
        { ordered: true },
      );
      return { ok: true };
    } catch (e) {
      return classifyMongoError(e);
    }
  }

  private async ready(): Promise<Collection<KpiDocument>> {
    if (this.collection) return this.collection;
    this.client ??= this.newClient();
    const col = this.client.db(this.o.database).collection<KpiDocument>(this.o.collection);
    if (!this.retentionReady) await this.setUpRetention(col);
    this.collection = col;
    return col;
  }

  private async setUpRetention(col: Collection<KpiDocument>): Promise<void> {
    try {
      await col.createIndex(
        { stored_at: 1 },
        { name: 'rtap_retention', expireAfterSeconds: Math.round(this.o.retentionMs / 1000) },
      );
    } catch (e) {
      const code = (e as { code?: number }).code;
      // 238 NotImplemented (FerretDB), 67 CannotCreateIndex, 85/86 an index of that name with other options.
      if (code === undefined || !(code === 238 || code === 67 || code === 85 || code === 86)) throw e;
      this.purgeByHand = true;
      await col.createIndex({ stored_at: 1 }, { name: 'rtap_stored_at' });
      this.o.log(
        `${this.o.url.replace(/\/\/[^@/]*@/, '//***@')} has no TTL index for retention (${(e as Error).message}); ` +
          `rtap deletes documents stored more than ${this.o.retentionMs / 3_600_000} h ago itself, every ${this.o.purgeIntervalMs / 60_000} min`,
      );
    }
    this.retentionReady = true;
  }
}

export function classifyMongoError(e: unknown): SendOutcome {
  const err = e as {
    name?: string;
    code?: number;
    message?: string;
    writeErrors?: unknown;
    hasErrorLabel?: (l: string) => boolean;
  };
  const reason = `${err?.name ?? 'Error'}${err?.code !== undefined ? ` ${err.code}` : ''}: ${String(err?.message ?? e).slice(0, 300)}`;
  const name = err?.name ?? '';
  // A bulk write that failed as a whole (the connection timed out or closed) carries no document errors:
  // only those say the server refused a document.
  const writeErrors = err?.writeErrors;
  const refusedDocuments = Array.isArray(writeErrors) ? writeErrors.length > 0 : Boolean(writeErrors);
  if (
    /Network|ServerSelection|Timeout|PoolCleared|NotConnected|TopologyClosed/.test(name) ||
    (!refusedDocuments && NETWORK_MESSAGE.test(err?.message ?? '')) ||
    err?.hasErrorLabel?.('RetryableWriteError') ||
    err?.hasErrorLabel?.('ResetPool') ||
    (err?.code !== undefined && TRANSIENT_CODES.has(err.code))
  )
    return { ok: false, kind: 'retry', reason, retryAfterMs: 0 };
  if (err?.code !== undefined && AUTH_CODES.has(err.code))
    return {
      ok: false,
      kind: 'fatal',
      reason,
      hint: 'check the user and password in --mongo-url and their rights on the database',
    };
  // A document the server refuses (validation, size): bisect to isolate it.
  if (refusedDocuments) return { ok: false, kind: 'reject', reason };
  return { ok: false, kind: 'fatal', reason };
}

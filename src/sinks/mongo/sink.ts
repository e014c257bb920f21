import type { Output, Sink } from '../types.js';
import { Delivery, type DeliveryStats } from '../delivery/delivery.js';
import { redactUrl } from '../delivery/options.js';
import { KPI_VIEW, kpiDocument, type KpiDocument } from './documents.js';
import { resolveMongoOptions, type MongoSinkOptions, type ResolvedMongoOptions } from './options.js';
import { MongoWriter } from './writer.js';

export interface MongoSinkStats extends DeliveryStats {
  /** Outputs the hot store does not hold: other views, early results, alerts. */
  skipped: number;
  /** Expired documents rtap deleted itself (servers without TTL indexes). */
  purged: number;
}

/**
 * 004's MongoDB hot store (docs/stores.md): every final `kpis` minute as one document upserted by its
 * minute, in ordered bulk writes, through the shared delivery loop (buffer, retries, breaker,
 * back-pressure): a server that is down or restarts costs time, never minutes.
 */
export class MongoSink implements Sink {
  readonly name = 'mongo';
  private readonly delivery: Delivery<KpiDocument>;
  private readonly writer: MongoWriter;
  private skipped = 0;

  constructor(newClient: () => import('mongodb').MongoClient, o: ResolvedMongoOptions) {
    this.writer = new MongoWriter(newClient, o);
    this.delivery = new Delivery<KpiDocument>({
      ...o,
      sink: 'mongo sink',
      target: `${redactUrl(o.url)} (${o.database}.${o.collection})`,
      unit: 'documents',
      send: (docs) => this.writer.send(docs),
      describe: (d) => JSON.stringify(d),
    });
  }

  write(outputs: Output[]): Promise<void> | void {
    const docs: KpiDocument[] = [];
    const now = Date.now();
    for (const out of outputs) {
      if (out.kind === 'result' && out.result.view === KPI_VIEW && out.result.emit === 'final')
        docs.push(kpiDocument(out.result, now));
      else this.skipped++;
    }
    return this.delivery.push(docs);
  }

  flush(): Promise<void> {
    return this.delivery.flush();
  }

  async close(): Promise<void> {
    try {
      await this.delivery.close();
    } finally {
      await this.writer.close();
    }
  }

  stats(): MongoSinkStats {
    return { ...this.delivery.stats(), skipped: this.skipped, purged: this.writer.purged };
  }
}

/** The client options rtap uses: its own retries (not the driver's), bounded waits. */
export function mongoClientOptions(timeoutMs: number) {
  return {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    socketTimeoutMS: timeoutMs,
    retryWrites: false,
    retryReads: false,
    appName: 'rtap',
  };
}

/** Loads the mongodb driver only when the sink is used. */
export async function createMongoSink(options: MongoSinkOptions): Promise<MongoSink> {
  const o = resolveMongoOptions(options);
  const { MongoClient } = await import('mongodb');
  return new MongoSink(() => new MongoClient(o.url, mongoClientOptions(o.timeoutMs)), o);
}

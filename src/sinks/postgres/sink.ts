import type { Output, Sink } from '../types.js';
import { Delivery, type DeliveryStats } from '../delivery/delivery.js';
import { describeTarget, resolvePgOptions, type PgSinkOptions, type ResolvedPgOptions } from './options.js';
import { rowOf, type PgRow } from './rows.js';
import { PgWriter } from './writer.js';

export interface PgSinkStats extends DeliveryStats {
  /** Outputs the tables do not hold: other views, early results, alerts. */
  skipped: number;
}

/**
 * The PostgreSQL sink (docs/stores.md): the final results of the eventflow views as rows of 002's tables
 * orders_raw, revenue_by_currency_5min and conversion_funnel_5min, upserted by their identity in batches
 * of one transaction each. Delivery (buffer, retries, breaker, back-pressure) is the shared loop in
 * delivery/delivery.ts: a database that is down or restarts costs time, never rows.
 */
export class PostgresSink implements Sink {
  readonly name = 'postgres';
  private readonly delivery: Delivery<PgRow>;
  private readonly pool: import('pg').Pool;
  private skipped = 0;
  readonly target: string;

  constructor(
    Pool: typeof import('pg').Pool,
    private readonly o: ResolvedPgOptions,
  ) {
    this.target = describeTarget(o.url);
    this.pool = new Pool({
      connectionString: o.url,
      max: 1,
      connectionTimeoutMillis: o.timeoutMs,
      query_timeout: o.timeoutMs,
      idleTimeoutMillis: 30_000,
      application_name: 'rtap',
    });
    // An idle connection the server closed (restart) is an event, not a crash; the next send reconnects.
    this.pool.on('error', () => {});
    const writer = new PgWriter(this.pool, o.schema);
    this.delivery = new Delivery<PgRow>({
      ...o,
      sink: 'postgres sink',
      target: this.target,
      unit: 'rows',
      send: (rows) => writer.send(rows),
      describe: (row) => `${row.table.name} ${JSON.stringify(row.values)}`,
    });
  }

  write(outputs: Output[]): Promise<void> | void {
    const rows: PgRow[] = [];
    for (const out of outputs) {
      const row = out.kind === 'result' ? rowOf(out.result) : null;
      if (row) rows.push(row);
      else this.skipped++;
    }
    return this.delivery.push(rows);
  }

  flush(): Promise<void> {
    return this.delivery.flush();
  }

  async close(): Promise<void> {
    try {
      await this.delivery.close();
    } finally {
      await this.pool.end();
    }
  }

  stats(): PgSinkStats {
    return { ...this.delivery.stats(), skipped: this.skipped };
  }
}

/** Loads node-postgres only when the sink is used: a run without --sink postgres does not pay for it. */
export async function createPostgresSink(options: PgSinkOptions): Promise<PostgresSink> {
  const o = resolvePgOptions(options);
  const { Pool } = (await import('pg')).default;
  return new PostgresSink(Pool, o);
}

import { redactUrl } from '../sinks/delivery/options.js';
import { resultOf } from '../sinks/mongo/documents.js';
import { mongoClientOptions } from '../sinks/mongo/sink.js';
import { resolveMongoOptions } from '../sinks/mongo/options.js';
import type { KpiRecord } from './types.js';
import { kpiRecord } from './views.js';
import type { Money } from '../events/currency.js';

/** Where /kpis?minutes_back= reads minute KPIs from when not from the dashboard's own memory. */
export interface KpiArchive {
  readonly description: string;
  kpis(minutesBack: number): Promise<KpiRecord[]>;
  close(): Promise<void>;
}

const MINUTE = 60_000;

/**
 * The hot store of `--sink mongo` as the dashboard's KPI history (004's FastAPI over MongoDB): minutes
 * ending within `minutesBack` of the newest stored minute, as the in-memory history answers, so the
 * answer survives a dashboard restart and reaches back as far as the store's retention (7 days).
 */
export async function mongoKpiArchive(url: string, money: Money): Promise<KpiArchive> {
  const o = resolveMongoOptions({ url });
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(o.url, mongoClientOptions(o.timeoutMs));
  const col = client.db(o.database).collection(o.collection);
  return {
    description: `${redactUrl(o.url)} (${o.database}.${o.collection})`,
    async kpis(minutesBack) {
      const newest = await col.find({}, { sort: { minute: -1 }, limit: 1 }).toArray();
      if (newest.length === 0) return [];
      const from = new Date((newest[0].window_end as Date).getTime() - minutesBack * MINUTE);
      const docs = await col.find({ window_end: { $gt: from } }, { sort: { minute: 1 } }).toArray();
      return docs.map((d) => kpiRecord(resultOf(d), money));
    },
    close: () => client.close(),
  };
}

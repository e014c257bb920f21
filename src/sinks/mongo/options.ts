import { UsageError } from '../../errors.js';
import { resolveKnobs, type DeliveryKnobs, type ResolvedKnobs } from '../delivery/options.js';

/** Options of the MongoDB hot store sink (docs/stores.md). */
export interface MongoSinkOptions extends DeliveryKnobs {
  /** mongodb:// or mongodb+srv:// URL; default mongodb://127.0.0.1:27017 (or MONGODB_URI). */
  url?: string;
  /** Database; default the URL's path, else `rtap`. */
  database?: string;
  /** Collection of the minute documents; default `kpis_1min`. */
  collection?: string;
  /** Documents are kept this long after they were last written, ms; default 7 days (004). */
  retentionMs?: number;
  /** Without TTL indexes (FerretDB), expired documents are deleted this often, ms; default 10 min. */
  purgeIntervalMs?: number;
}

export type ResolvedMongoOptions = ResolvedKnobs &
  Required<Pick<MongoSinkOptions, 'url' | 'database' | 'collection' | 'retentionMs' | 'purgeIntervalMs'>>;

export const MONGO_DEFAULTS = {
  url: 'mongodb://127.0.0.1:27017',
  collection: 'kpis_1min',
  retentionMs: 7 * 86_400_000,
  purgeIntervalMs: 600_000,
} as const;

export function resolveMongoOptions(o: MongoSinkOptions): ResolvedMongoOptions {
  const knobs = resolveKnobs('mongo sink', o);
  const url = o.url ?? (process.env.MONGODB_URI || MONGO_DEFAULTS.url);
  let path = '';
  try {
    const u = new URL(url);
    if (u.protocol !== 'mongodb:' && u.protocol !== 'mongodb+srv:') throw new Error('protocol');
    path = decodeURIComponent(u.pathname.replace(/^\//, ''));
  } catch {
    throw new UsageError(`mongo sink: --mongo-url must be a mongodb:// or mongodb+srv:// URL, got '${url}'`);
  }
  const retentionMs = o.retentionMs ?? MONGO_DEFAULTS.retentionMs;
  if (!(Number.isFinite(retentionMs) && retentionMs >= 1000))
    throw new UsageError(`mongo sink: --mongo-retention must be at least 1s, got ${retentionMs} ms`);
  const purgeIntervalMs = o.purgeIntervalMs ?? MONGO_DEFAULTS.purgeIntervalMs;
  if (!(Number.isFinite(purgeIntervalMs) && purgeIntervalMs > 0))
    throw new UsageError(`mongo sink: option purgeIntervalMs must be positive, got ${purgeIntervalMs}`);
  return {
    ...knobs,
    url,
    database: o.database ?? (path || 'rtap'),
    collection: o.collection ?? MONGO_DEFAULTS.collection,
    retentionMs,
    purgeIntervalMs,
  };
}

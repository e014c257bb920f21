import { UsageError } from '../../errors.js';
import { resolveKnobs, type DeliveryKnobs, type ResolvedKnobs } from '../delivery/options.js';

/** Options of the PostgreSQL sink (docs/stores.md); the delivery knobs default as DELIVERY_DEFAULTS. */
export interface PgSinkOptions extends DeliveryKnobs {
  /**
   * Connection string (postgres://user:pass@host:port/db). Without one, node-postgres reads the libpq
   * variables PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE, as psql does.
   */
  url?: string;
  /** Schema of the three tables, created if missing; default public. */
  schema?: string;
}

export type ResolvedPgOptions = ResolvedKnobs & { url: string | undefined; schema: string };

/** --pg-url, else DATABASE_URL (the common convention); PG* variables are left to node-postgres. */
export function pgUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.DATABASE_URL || undefined;
}

export function resolvePgOptions(o: PgSinkOptions): ResolvedPgOptions {
  const knobs = resolveKnobs('postgres sink', o);
  const url = o.url ?? pgUrlFromEnv();
  if (url !== undefined && !/^postgres(ql)?:\/\//.test(url) && !url.startsWith('socket:'))
    throw new UsageError(
      `postgres sink: --pg-url must be a postgres:// or postgresql:// connection string, got '${url}'`,
    );
  const schema = o.schema ?? 'public';
  if (schema === '' || schema.length > 63)
    throw new UsageError(`postgres sink: --pg-schema must be 1 to 63 characters, got '${schema}'`);
  return { ...knobs, url, schema };
}

/** Where the sink writes, for messages: the URL without its password, or the PG* variables' host. */
export function describeTarget(url: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (url) {
    try {
      const u = new URL(url);
      if (u.password) u.password = '***';
      return u.toString();
    } catch {
      return 'postgres (unparsable URL)';
    }
  }
  return `postgres://${env.PGHOST ?? 'localhost'}:${env.PGPORT ?? 5432}/${env.PGDATABASE ?? env.PGUSER ?? ''}`;
}

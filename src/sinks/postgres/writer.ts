import type { Pool, PoolClient } from 'pg';
import type { SendOutcome } from '../delivery/delivery.js';
import { rowKey, type PgRow } from './rows.js';
import { ddl, ident, qualified, type TableDef } from './schema.js';

/**
 * Sends one batch of rows as one transaction: per table a multi-row INSERT … ON CONFLICT (identity) DO
 * UPDATE, so a re-delivered result overwrites its row. The tables are created (IF NOT EXISTS, under an
 * advisory lock so two rtap processes do not race) before the first batch. Failures are classified for
 * the delivery loop: connection problems and a server shutting down or starting are retried, bad data is
 * bisected, authentication and missing databases are fatal.
 */
export class PgWriter {
  private ready = false;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {}

  async send(rows: PgRow[]): Promise<SendOutcome> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      return classifyPgError(e);
    }
    try {
      if (!this.ready) {
        await this.transaction(client, async () => {
          await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`rtap-ddl ${this.schema}`]);
          for (const sql of ddl(this.schema)) await client.query(sql);
        });
        this.ready = true;
      }
      await this.transaction(client, async () => {
        for (const [table, list] of byTable(rows)) {
          const { sql, params } = upsertStatement(this.schema, table, list);
          await client.query(sql, params);
        }
      });
      client.release();
      return { ok: true };
    } catch (e) {
      // The connection may be broken or mid-transaction: never hand it back to the pool.
      client.release(true);
      const outcome = classifyPgError(e);
      // A table dropped under us: create it again before the retry.
      if ((e as { code?: string }).code === '42P01') this.ready = false;
      return outcome;
    }
  }

  private async transaction(client: PoolClient, body: () => Promise<void>): Promise<void> {
    await client.query('BEGIN');
    await body();
    await client.query('COMMIT');
  }
}

function byTable(rows: PgRow[]): Map<TableDef, PgRow[]> {
  const out = new Map<TableDef, PgRow[]>();
  for (const r of rows) {
    const list = out.get(r.table);
    if (list) list.push(r);
    else out.set(r.table, [r]);
  }
  return out;
}

/**
 * One INSERT of every row, the last of each identity only: PostgreSQL refuses an ON CONFLICT DO UPDATE
 * that would touch one row twice in a statement, and the last write of a result is its newest value.
 */
export function upsertStatement(
  schema: string,
  table: TableDef,
  rows: PgRow[],
): { sql: string; params: unknown[] } {
  const last = new Map<string, PgRow>();
  for (const r of rows) {
    const k = rowKey(r);
    last.delete(k);
    last.set(k, r);
  }
  const cols = table.columns.map(([c]) => c);
  const params: unknown[] = [];
  const tuples: string[] = [];
  for (const r of last.values()) {
    const base = params.length;
    params.push(...r.values);
    tuples.push(`(${cols.map((_, i) => `$${base + i + 1}`).join(', ')})`);
  }
  const updates = cols
    .filter((c) => !table.key.includes(c))
    .map((c) => `${ident(c)} = EXCLUDED.${ident(c)}`)
    .join(', ');
  const sql =
    `INSERT INTO ${qualified(schema, table.name)} (${cols.map(ident).join(', ')}) VALUES ${tuples.join(', ')} ` +
    `ON CONFLICT (${table.key.map(ident).join(', ')}) DO UPDATE SET ${updates}`;
  return { sql, params };
}

/** SQLSTATE classes and codes (PostgreSQL appendix A) that a later attempt can get past. */
const TRANSIENT_CLASSES = ['08', '53', '57', '58'];
const TRANSIENT_CODES = ['40001', '40P01', '55P03', '55006', '42P01'];

export function classifyPgError(e: unknown): SendOutcome {
  const err = e as { code?: string; message?: string; severity?: string };
  const code = typeof err?.code === 'string' ? err.code : '';
  const reason = describePgError(e);
  const isSqlState = /^[0-9A-Z]{5}$/.test(code) && typeof err.severity === 'string';
  if (!isSqlState) return { ok: false, kind: 'retry', reason, retryAfterMs: 0 }; // network, timeout
  if (TRANSIENT_CLASSES.includes(code.slice(0, 2)) || TRANSIENT_CODES.includes(code))
    return { ok: false, kind: 'retry', reason, retryAfterMs: 0 };
  if (code.startsWith('22') || code.startsWith('23')) return { ok: false, kind: 'reject', reason };
  const hint =
    code.startsWith('28') || code === '42501'
      ? 'check the user and password of --pg-url (or PGUSER / PGPASSWORD) and its privileges'
      : code === '3D000'
        ? 'the database in --pg-url (or PGDATABASE) does not exist: create it first'
        : undefined;
  return { ok: false, kind: 'fatal', reason, hint };
}

export function describePgError(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const msg = String(err?.message ?? e).trim() || 'connection failed';
  const errors = (e as { errors?: { message: string }[] })?.errors;
  // AggregateError (connecting to every address of localhost failed): its own message is empty.
  const detail = errors?.length ? errors.map((x) => x.message).join('; ') : msg;
  return err?.code && !detail.includes(err.code) ? `${err.code} ${detail}` : detail;
}

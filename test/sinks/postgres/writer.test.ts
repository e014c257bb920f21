import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rowOf } from '../../../src/sinks/postgres/rows.js';
import { TABLES } from '../../../src/sinks/postgres/schema.js';
import { classifyPgError, upsertStatement } from '../../../src/sinks/postgres/writer.js';
import { seededEventflow } from './seeded.js';

describe('postgres sink statements', () => {
  it('one upsert per table, the last delivery of an identity only, every value a parameter', () => {
    const outputs = seededEventflow(3, 1);
    const revenue = outputs.flatMap((o) =>
      o.kind === 'result' && o.result.view === 'eventflow.revenue' ? [o.result] : [],
    );
    const changed = { ...revenue[0], fields: { ...revenue[0].fields, total_revenue: 1 } };
    const rows = [...revenue, changed].map((r) => rowOf(r)!);
    const table = TABLES.find((t) => t.name === 'revenue_by_currency_5min')!;
    const { sql, params } = upsertStatement('s"x', table, rows);
    assert.match(sql, /^INSERT INTO "s""x"\."revenue_by_currency_5min" \("window_start", /);
    assert.match(
      sql,
      /ON CONFLICT \("window_start", "currency"\) DO UPDATE SET "window_end" = EXCLUDED\."window_end"/,
    );
    assert.doesNotMatch(sql, /SET .*"currency" = EXCLUDED/, 'the identity columns are not updated');
    assert.equal(
      params.length,
      revenue.length * table.columns.length,
      'the changed row replaces its first delivery',
    );
    const i = params.indexOf(revenue[0].key);
    assert.equal(params[i + 1], 1, 'the later value is the one written');
  });

  it('rows only for final eventflow results', () => {
    const [first] = seededEventflow(3, 1).flatMap((o) => (o.kind === 'result' ? [o.result] : []));
    assert.ok(rowOf(first));
    assert.equal(rowOf({ ...first, emit: 'early' }), null);
    assert.equal(rowOf({ ...first, view: 'kpis' }), null);
  });

  it('classifies failures: connection and shutdown retried, bad data bisected, auth and missing database fatal', () => {
    const pgErr = (code: string) => Object.assign(new Error(`e ${code}`), { code, severity: 'ERROR' });
    const kind = (e: unknown) => {
      const o = classifyPgError(e);
      return o.ok ? 'ok' : o.kind;
    };
    assert.equal(kind(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), 'retry');
    assert.equal(kind(new Error('Connection terminated unexpectedly')), 'retry');
    assert.equal(kind(pgErr('57P01')), 'retry'); // admin shutdown
    assert.equal(kind(pgErr('57P03')), 'retry'); // the database system is starting up
    assert.equal(kind(pgErr('40001')), 'retry');
    assert.equal(kind(pgErr('22003')), 'reject'); // numeric value out of range
    assert.equal(kind(pgErr('23502')), 'reject'); // not null violation
    assert.equal(kind(pgErr('28P01')), 'fatal');
    assert.equal(kind(pgErr('3D000')), 'fatal');
    assert.equal(kind(pgErr('42601')), 'fatal'); // a syntax error: no retry fixes it
  });
});

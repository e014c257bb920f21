import type { BatchReport } from '../engine/analytics.js';
import type { Money } from '../events/currency.js';

/**
 * Where `rtap report` reads stored results from: a postgres:// URL (SQL over 002's tables), a directory
 * (the Parquet cold store of --sink parquet), else a JSON-lines results file. `read` says what was read, for the log line.
 */
export async function loadBatchReport(
  source: string,
  o: { pgSchema: string; money: Money },
): Promise<{ report: BatchReport; read: string }> {
  if (/^postgres(ql)?:\/\//.test(source)) {
    const { analyzePostgres } = await import('../sinks/postgres/report.js');
    const report = await analyzePostgres(source, o.pgSchema, o.money);
    return { report, read: `ran the analyses as SQL over the tables of schema ${o.pgSchema}` };
  }
  const { existsSync, statSync } = await import('node:fs');
  if (existsSync(source) && statSync(source).isDirectory()) {
    const [{ readParquetResults }, { analyzeResults }] = await Promise.all([
      import('../sinks/parquet/read.js'),
      import('../engine/analytics.js'),
    ]);
    const records = await readParquetResults(source);
    return {
      report: analyzeResults(records, o.money),
      read: `read ${records.length} result rows from the Parquet files under ${source}`,
    };
  }
  const [{ readResults }, { analyzeResults }] = await Promise.all([
    import('../engine/results-file.js'),
    import('../engine/analytics.js'),
  ]);
  const records = await readResults(source);
  return { report: analyzeResults(records, o.money), read: `read ${records.length} records from ${source}` };
}

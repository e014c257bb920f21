import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { RtapError, UsageError } from '../../errors.js';
import type { FieldValue, ViewResult } from '../../events/results.js';
import { isPartFile, type Dataset } from './layout.js';

/** The complete part files of a dataset, sorted by path (temporary files are never listed). */
export function partFiles(dir: string, dataset: Dataset): string[] {
  const root = join(dir, dataset);
  const out: string[] = [];
  const walk = (d: string) => {
    for (const ent of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (isPartFile(ent.name)) out.push(p);
    }
  };
  if (existsSync(root)) walk(root);
  return out.sort();
}

const ms = (v: unknown) => (v instanceof Date ? v.getTime() : Number(v));

/** Every result row of the cold store at `dir`, as view results (fields parsed back from JSON). */
export async function readParquetResults(dir: string): Promise<ViewResult[]> {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UsageError(`parquet store not found: ${dir} is not a directory`);
  const { parquetReadObjects, asyncBufferFromFile } = await import('hyparquet');
  const out: ViewResult[] = [];
  for (const path of partFiles(dir, 'results')) {
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file: await asyncBufferFromFile(path) });
    } catch (e) {
      throw new RtapError(`${relative(dir, path)}: not a readable Parquet file (${(e as Error).message})`);
    }
    for (const r of rows)
      out.push({
        view: String(r.view),
        key: String(r.key),
        window_start: ms(r.window_start),
        window_end: ms(r.window_end),
        emit: 'final',
        emitted_at: ms(r.emitted_at),
        watermark: Number(r.watermark),
        last_intended_send_time: Number(r.last_intended_send_time),
        event_count: Number(r.event_count),
        fields: (typeof r.fields === 'string' ? JSON.parse(r.fields) : r.fields) as Record<
          string,
          FieldValue
        >,
      });
  }
  return out;
}

import { closeSync, fsyncSync, mkdirSync, openSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { ParquetWriter, fileWriter, schemaFromColumnData } from 'hyparquet-writer';
import { columnData, COLUMNS, type Row } from './columns.js';
import { finalName, tempName, type Dataset } from './layout.js';

/**
 * One Parquet file of one partition while it is written: rows are buffered until a row group is full,
 * then encoded and appended to the temporary file (so memory holds at most one row group per open file).
 * commit() writes the last row group and the footer, syncs the file to disk, renames it to its final
 * name and syncs the directory: a crash at any moment leaves either the complete file or only a hidden
 * temporary one that no reader lists.
 */
export class PartFile {
  private readonly writer: ParquetWriter;
  private readonly tmpPath: string;
  readonly path: string;
  private pending: Row[] = [];
  rows = 0;
  rowGroups = 0;

  constructor(
    private readonly dataset: Dataset,
    readonly dir: string,
    name: { writer: string; seq: number },
    private readonly rowGroupSize: number,
  ) {
    mkdirSync(dir, { recursive: true });
    this.tmpPath = join(dir, tempName(name.writer, name.seq));
    this.path = join(dir, finalName(name.writer, name.seq));
    const schema = schemaFromColumnData({ columnData: columnData(dataset, []) });
    this.writer = new ParquetWriter({
      writer: fileWriter(this.tmpPath),
      schema,
      createdBy: 'rtap (hyparquet-writer)',
    });
  }

  add(row: Row): void {
    this.pending.push(row);
    this.rows++;
    if (this.pending.length >= this.rowGroupSize) this.writeGroup();
  }

  commit(): string {
    if (this.pending.length) this.writeGroup();
    this.writer.finish();
    syncPath(this.tmpPath);
    renameSync(this.tmpPath, this.path);
    syncPath(this.dir);
    return this.path;
  }

  private writeGroup(): void {
    const rows = this.pending;
    this.pending = [];
    void this.writer.write({ columnData: columnData(this.dataset, rows), rowGroupSize: rows.length });
    this.rowGroups++;
  }

  static columns(dataset: Dataset): string[] {
    return COLUMNS[dataset].map((c) => c.name);
  }
}

function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

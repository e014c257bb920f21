import { UsageError } from '../errors.js';
import { InvalidEventError, validateEvent } from '../events/validate.js';
import { EVENT_TYPES, type AnalyticsEvent, type EventType } from '../events/types.js';

/**
 * CSV recordings (`events.csv[.gz]`, 004's replay input): a header row, then one event per row, in
 * send order. The columns are the event model's fields (src/events/types.ts): 004 names its events'
 * fields (event_id, user, session_id, event types page_view / add_to_cart / purchase, revenue) without
 * listing columns, so rtap's CSV is its own event model, flat. A row fills the columns of its
 * event_type; the others stay empty. An empty cell is null, `""` an empty string; `properties` (custom
 * events) is a JSON object. Cells may be quoted (RFC 4180, `""` for a quote) but hold no line breaks:
 * a recording is read line by line, streamed.
 */
const BASE = [
  'event_id',
  'event_type',
  'user_id',
  'session_id',
  'event_time',
  'intended_send_time',
  'user_type',
  'country',
  'device',
];
const BY_TYPE: Record<EventType, string[]> = {
  page_view: [
    'page_url',
    'page_title',
    'content_category',
    'referrer',
    'page_depth',
    'time_on_previous_page_ms',
  ],
  session: ['action', 'page_count', 'duration_ms', 'idle_time_ms', 'landing_page'],
  conversion: [
    'conversion_type',
    'product_id',
    'product_category',
    'revenue',
    'currency',
    'order_id',
    'card_id',
  ],
  custom: ['name', 'properties'],
  user_event: ['action'],
  product_view: ['product_id', 'product_category', 'price', 'currency'],
  order: ['order_id', 'product_id', 'product_category', 'price', 'quantity', 'currency', 'card_id'],
};

/** Every column, in the order rtap writes them. */
export const CSV_COLUMNS: string[] = [...new Set([...BASE, ...EVENT_TYPES.flatMap((t) => BY_TYPE[t])])];

const NUMERIC = new Set([
  'event_time',
  'intended_send_time',
  'page_depth',
  'time_on_previous_page_ms',
  'page_count',
  'duration_ms',
  'idle_time_ms',
  'revenue',
  'price',
  'quantity',
]);

/** A recording file in CSV (by its name: .csv or .csv.gz). */
export function isCsvPath(path: string): boolean {
  return /\.csv(\.gz)?$/i.test(path);
}

export function csvHeader(): string {
  return CSV_COLUMNS.join(',');
}

function cell(v: unknown, column: string, event: AnalyticsEvent): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : column === 'properties' ? JSON.stringify(v) : String(v);
  if (/[\r\n]/.test(s))
    throw new UsageError(
      `event ${event.event_id}: ${column} holds a line break, which a CSV recording cannot (use .jsonl)`,
    );
  return s === '' || /[",]/.test(s) || s.trim() !== s ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One event as a CSV row (CSV_COLUMNS order). */
export function csvRow(event: AnalyticsEvent): string {
  const e = event as unknown as Record<string, unknown>;
  const own = new Set([...BASE, ...BY_TYPE[event.event_type]]);
  return CSV_COLUMNS.map((c) => (own.has(c) ? cell(e[c], c, event) : '')).join(',');
}

/** An InvalidEventError whose message starts with where it is (file:line:column). */
function located(
  where: string,
  reason: string,
  field?: string,
  code?: InvalidEventError['code'],
): InvalidEventError {
  const err = new InvalidEventError(reason, field, code);
  err.message = `${where}: ${err.message}`;
  return err;
}

/** A row's cells, whether each was quoted, and the 1-based character column each starts at. */
interface Cells {
  values: string[];
  quoted: boolean[];
  columns: number[];
}

function splitRow(line: string, where: string): Cells {
  const out: Cells = { values: [], quoted: [], columns: [] };
  let i = 0;
  for (;;) {
    out.columns.push(i + 1);
    if (line[i] === '"') {
      let v = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) throw new UsageError(`${where}:${i + 1}: unterminated quoted cell`);
        v += line.slice(j, q);
        if (line[q + 1] === '"') {
          v += '"';
          j = q + 2;
        } else {
          j = q + 1;
          break;
        }
      }
      if (j < line.length && line[j] !== ',')
        throw new UsageError(
          `${where}:${j + 1}: expected ',' after a quoted cell, got ${JSON.stringify(line[j])}`,
        );
      out.values.push(v);
      out.quoted.push(true);
      if (j >= line.length) return out;
      i = j + 1;
    } else {
      const c = line.indexOf(',', i);
      const v = c < 0 ? line.slice(i) : line.slice(i, c);
      if (v.includes('"'))
        throw new UsageError(`${where}:${i + 1 + v.indexOf('"')}: a quote inside an unquoted cell`);
      out.values.push(v);
      out.quoted.push(false);
      if (c < 0) return out;
      i = c + 1;
    }
  }
}

/**
 * Reads the rows of one CSV recording: made from its header row (any column order; unknown columns are
 * an error, missing type columns read as empty). Errors name file:line:column.
 */
export class CsvReader {
  private readonly index = new Map<string, number>();

  constructor(header: string, where: string) {
    const cells = splitRow(header, where);
    cells.values.forEach((name, i) => {
      const col = `${where}:${cells.columns[i]}`;
      if (!CSV_COLUMNS.includes(name))
        throw new UsageError(
          `${col}: unknown column '${name}' in the header`,
          `columns: ${CSV_COLUMNS.join(',')}`,
        );
      if (this.index.has(name)) throw new UsageError(`${col}: column '${name}' appears twice in the header`);
      this.index.set(name, i);
    });
    for (const name of BASE)
      if (!this.index.has(name))
        throw new UsageError(
          `${where}: the header has no '${name}' column`,
          `a CSV recording starts with: ${csvHeader()}`,
        );
  }

  /** The event of a row; a malformed row throws InvalidEventError, its message naming file:line:column. */
  parse(line: string, where: string): AnalyticsEvent {
    let cells: Cells;
    try {
      cells = splitRow(line, where);
    } catch (err) {
      const e = new InvalidEventError((err as Error).message, undefined, 'invalid_json');
      throw e;
    }
    if (cells.values.length !== this.index.size)
      throw located(
        where,
        `${cells.values.length} cells, the header has ${this.index.size}`,
        undefined,
        'invalid_json',
      );
    const at = (name: string) => `${where}:${cells.columns[this.index.get(name)!]}`;
    const type = cells.values[this.index.get('event_type')!] as EventType;
    if (!Object.hasOwn(BY_TYPE, type))
      throw located(at('event_type'), `unknown event type ${JSON.stringify(type)}`, 'event_type');
    const event: Record<string, unknown> = {};
    for (const name of [...BASE, ...BY_TYPE[type]]) {
      const i = this.index.get(name);
      const raw = i === undefined ? '' : cells.values[i];
      const quoted = i !== undefined && cells.quoted[i];
      if (raw === '' && !quoted) event[name] = null;
      else if (NUMERIC.has(name)) {
        const n = raw.trim() === '' ? NaN : Number(raw);
        if (!Number.isFinite(n))
          throw located(at(name), `expected a number, got ${JSON.stringify(raw)}`, name);
        event[name] = n;
      } else if (name === 'properties') {
        try {
          event[name] = JSON.parse(raw);
        } catch {
          throw located(at(name), `expected a JSON object, got ${JSON.stringify(raw)}`, name);
        }
      } else event[name] = raw;
    }
    try {
      return validateEvent(event);
    } catch (err) {
      if (!(err instanceof InvalidEventError)) throw err;
      err.message = `${err.field && this.index.has(err.field) ? at(err.field) : where}: ${err.message}`;
      throw err;
    }
  }
}

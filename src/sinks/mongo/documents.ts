import type { FieldValue, ViewResult } from '../../events/results.js';

/**
 * 004's hot store documents: one per minute of the `kpis` view, `_id` = the minute (window start, a Date),
 * so upserting by `_id` is 004's "upsert by minute": a re-delivered minute replaces its document.
 * The view's fields are stored as they are (nested objects stay nested), plus the window, the event
 * count, when rtap emitted the result and when it stored it (`stored_at`: what retention counts from).
 */
export interface KpiDocument {
  _id: Date;
  minute: Date;
  window_end: Date;
  event_count: number;
  emitted_at: Date;
  stored_at: Date;
  [field: string]: unknown;
}

export const KPI_VIEW = 'kpis';

/** Fields a view may not use: they would overwrite the document's own. */
const RESERVED = new Set(['_id', 'minute', 'window_end', 'event_count', 'emitted_at', 'stored_at']);

export function kpiDocument(r: ViewResult, storedAt: number): KpiDocument {
  const doc: KpiDocument = {
    _id: new Date(r.window_start),
    minute: new Date(r.window_start),
    window_end: new Date(r.window_end),
    event_count: r.event_count,
    emitted_at: new Date(r.emitted_at),
    stored_at: new Date(storedAt),
  };
  for (const [k, v] of Object.entries(r.fields)) if (!RESERVED.has(k)) doc[k] = v;
  return doc;
}

/** The view result a document holds (the dashboard reads minutes back through this). */
export function resultOf(doc: Record<string, unknown>): ViewResult {
  const ms = (v: unknown) => (v instanceof Date ? v.getTime() : Number(v));
  const fields: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(doc)) if (!RESERVED.has(k)) fields[k] = v as FieldValue;
  return {
    view: KPI_VIEW,
    key: '',
    window_start: ms(doc.minute),
    window_end: ms(doc.window_end),
    emit: 'final',
    emitted_at: ms(doc.emitted_at),
    watermark: ms(doc.window_end),
    last_intended_send_time: ms(doc.emitted_at),
    event_count: Number(doc.event_count),
    fields,
  };
}

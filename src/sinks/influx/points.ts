import { Point } from '@influxdata/influxdb-client';
import type { Alert, FieldValue, ViewResult } from '../../events/results.js';

/**
 * Mapping of rtap outputs to InfluxDB points (line protocol, millisecond precision). docs/influx.md
 * documents the rules; in short:
 * - a view result → measurement `<prefix><view>` (characters other than [A-Za-z0-9_] become `_`), tag
 *   `key` (omitted when the view is global), time = window end. The point's identity is
 *   (measurement, tags, window end), so a re-emitted window overwrites its point instead of adding one.
 * - fields: the result's `fields`, flattened: nested objects join their keys with `.`
 *   (`{funnel: {cart: 0.3}}` → `funnel.cart`); arrays (top-N lists) are JSON strings; numbers are always
 *   floats (an integer-looking 100 and a 99.5 must not make the field's type flip, which InfluxDB rejects);
 *   null is omitted (line protocol has no null); NaN/±Infinity are omitted and reported. Plus `event_count`
 *   and `window_start` as integers unless the fields already have them.
 * - an alert → measurement `rtap_alerts`, tags pattern, severity, key, alert_id, time = last event time
 *   (event time, so a replayed alert lands on the same point).
 */

export interface PointSettings {
  measurementPrefix: string;
  alertMeasurement: string;
  /** Tags added to every point; the point's own tags win. */
  tags: Record<string, string>;
}

/** Called for every field that cannot be represented (non-finite number); the caller counts and warns. */
export type InvalidFieldHook = (measurement: string, field: string, value: number) => void;

const toLineProtocolMs = {
  convertTime: (t: string | number | Date | undefined) =>
    t === undefined ? undefined : String(Math.round(Number(t))),
};

export function measurementOf(view: string, prefix: string): string {
  return prefix + view.replace(/[^A-Za-z0-9_]/g, '_');
}

/** Servers split requests on newlines, so a raw newline inside a value would cut the line in two. */
function noNewlines(s: string): string {
  return s.includes('\n') || s.includes('\r') ? s.replace(/\r/g, '\\r').replace(/\n/g, '\\n') : s;
}

function addField(
  p: Point,
  measurement: string,
  name: string,
  v: FieldValue,
  onInvalid: InvalidFieldHook,
): void {
  if (v === null || v === undefined) return;
  if (typeof v === 'number') {
    if (Number.isFinite(v)) p.floatField(name, v);
    else onInvalid(measurement, name, v);
  } else if (typeof v === 'boolean') p.booleanField(name, v);
  else if (typeof v === 'string') p.stringField(name, noNewlines(v));
  else if (Array.isArray(v)) p.stringField(name, noNewlines(JSON.stringify(v)));
  else for (const [k, child] of Object.entries(v)) addField(p, measurement, `${name}.${k}`, child, onInvalid);
}

function finish(p: Point, s: PointSettings): string {
  const line = p.toLineProtocol({ ...toLineProtocolMs, defaultTags: s.tags });
  // Every point carries at least one integer field, so the client always produces a line.
  if (line === undefined) throw new Error('influx sink: internal error, a point produced no line');
  return line;
}

export function resultLine(r: ViewResult, s: PointSettings, onInvalid: InvalidFieldHook): string {
  const measurement = measurementOf(r.view, s.measurementPrefix);
  const p = new Point(measurement).timestamp(r.window_end);
  if (r.key !== '') p.tag('key', noNewlines(r.key));
  for (const [k, v] of Object.entries(r.fields)) addField(p, measurement, k, v, onInvalid);
  if (!('event_count' in r.fields)) p.intField('event_count', r.event_count);
  if (!('window_start' in r.fields)) p.intField('window_start', r.window_start);
  return finish(p, s);
}

export function alertLine(a: Alert, s: PointSettings): string {
  const p = new Point(s.alertMeasurement)
    .timestamp(a.last_event_time)
    .tag('pattern', noNewlines(a.pattern))
    .tag('severity', a.severity)
    .tag('alert_id', noNewlines(a.alert_id))
    .stringField('message', noNewlines(a.message))
    .intField('event_count', a.events.length)
    .intField('first_event_time', a.first_event_time)
    .intField('detected_at', Math.round(a.detected_at))
    .stringField('events', noNewlines(JSON.stringify(a.events)));
  if (a.key !== '') p.tag('key', noNewlines(a.key));
  return finish(p, s);
}

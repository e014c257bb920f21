/**
 * The points the influx tests expect on the server, computed from the results independently of the
 * sink's encoder (the documented mapping in docs/influx.md, written out again here).
 */
import type { Alert, FieldValue, ViewResult } from '../../../src/events/results.js';
import type { Output } from '../../../src/sinks/types.js';
import { pointId, type ReadPoint } from './readback.js';

export interface ExpectedPoint extends ReadPoint {
  measurement: string;
}

function flatten(name: string, v: FieldValue, out: Record<string, number | string | boolean>): void {
  if (v === null) return;
  if (Array.isArray(v)) out[name] = JSON.stringify(v);
  else if (typeof v === 'object') for (const k of Object.keys(v)) flatten(`${name}.${k}`, v[k], out);
  else out[name] = v;
}

export function expectedResult(r: ViewResult, tags: Record<string, string>): ExpectedPoint {
  const fields: Record<string, number | string | boolean> = {
    event_count: r.event_count,
    window_start: r.window_start,
  };
  for (const k of Object.keys(r.fields)) flatten(k, r.fields[k], fields);
  return {
    measurement: `rtap_${r.view.split('.').join('_')}`,
    tags: r.key === '' ? { ...tags } : { ...tags, key: r.key },
    time: r.window_end,
    fields,
  };
}

export function expectedAlert(a: Alert, tags: Record<string, string>): ExpectedPoint {
  return {
    measurement: 'rtap_alerts',
    tags: { ...tags, pattern: a.pattern, severity: a.severity, key: a.key, alert_id: a.alert_id },
    time: a.last_event_time,
    fields: {
      message: a.message,
      event_count: a.events.length,
      first_event_time: a.first_event_time,
      detected_at: a.detected_at,
      events: JSON.stringify(a.events),
    },
  };
}

/** Expected points grouped by measurement, then by identity (tags + time). */
export function expectedByMeasurement(
  outputs: Output[],
  tags: Record<string, string>,
): Map<string, Map<string, ExpectedPoint>> {
  const out = new Map<string, Map<string, ExpectedPoint>>();
  for (const o of outputs) {
    if (o.kind === 'result' && o.result.emit !== 'final') continue;
    const p = o.kind === 'result' ? expectedResult(o.result, tags) : expectedAlert(o.alert, tags);
    if (!out.has(p.measurement)) out.set(p.measurement, new Map());
    out.get(p.measurement)!.set(pointId(p.tags, p.time), p);
  }
  return out;
}

import type { AnalyticsEvent } from '../events/types.js';
import type { Expr, SequencePattern, Template } from './ast.js';

/**
 * What CEP keeps of an event it buffers or binds: only the fields its sequence patterns can read (in
 * element conditions, the aggregate filter, the message and the partition key), those eventKind reads,
 * and the ones an alert reports (event_id, event_time). The reorder buffer and the partial matches hold
 * tens of thousands of events at 10k events/s, and every one of them is in each checkpoint; the rest of
 * an event (user agent, referrer, ...) is two thirds of its size and no pattern reads it. A custom
 * event's `properties` are kept whole: a path reads them when the event has no such top-level field.
 */
export function eventProjection(patterns: SequencePattern[]): (e: AnalyticsEvent) => AnalyticsEvent {
  const keep = new Set([
    'event_id',
    'event_type',
    'event_time',
    'intended_send_time',
    // eventKind: session/user_event action, conversion type, custom event name.
    'action',
    'conversion_type',
    'name',
  ]);
  const visit = (e: Expr | null): void => {
    if (!e) return;
    switch (e.type) {
      case 'literal':
        return;
      case 'path':
        // `VAR.field...` or a bare `field`: keeping a variable's name as well costs nothing.
        for (const p of e.parts.slice(0, 2)) keep.add(p);
        return;
      case 'unary':
        return visit(e.arg);
      case 'binary':
        visit(e.left);
        return visit(e.right);
      case 'logical':
        return e.args.forEach(visit);
      case 'arith':
        visit(e.first);
        return e.rest.forEach((s) => visit(s.arg));
      case 'in':
        visit(e.arg);
        return e.list.forEach(visit);
      case 'isnull':
        return visit(e.arg);
      case 'call':
        return e.args.forEach(visit);
    }
  };
  const template = (t: Template) => t.parts.forEach((p) => typeof p !== 'string' && visit(p));
  for (const p of patterns) {
    keep.add(p.partitionBy);
    visit(p.where);
    visit(p.filter);
    for (const el of p.elements) visit(el.condition);
    template(p.message);
  }
  const fields = [...keep];
  return (e) => {
    const src = e as unknown as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const f of fields) if (src[f] !== undefined) out[f] = src[f];
    if (e.event_type === 'custom') out.properties = e.properties;
    return out as unknown as AnalyticsEvent;
  };
}

import type { AnalyticsEvent } from '../events/types.js';
import { addToSlot, makeResult, type EmitContext, type Slot, type ViewRuntime } from './runtime.js';
import { decode, decodeNum, encode, encodeNum, type Json } from './serial.js';
import type { ViewSpec } from './views/spec.js';

interface Session<A> extends Slot<A> {
  start: number;
  /** Event time of the latest event: the session ends at last + gap. */
  last: number;
}

/** Open sessions per key; usually one, more while out-of-order events have not yet bridged a gap. */
export type SessionTask<A> = Map<string, Session<A>[]>;

/**
 * Session windows per key with an inactivity gap. An event opens [t, t + gap); sessions it overlaps merge
 * into one (an out-of-order event can bridge two). A session is final when the horizon (watermark -
 * allowed lateness) reaches last event + gap: any event still accepted is then at or after that point and
 * starts a new session. Result window: [first event, last event + gap).
 */
export class SessionRuntime<A> implements ViewRuntime<SessionTask<A>> {
  /** Lower bound of the earliest session end (sessions only grow, so it stays a bound until the next scan). */
  private minEnd = Infinity;

  constructor(
    readonly spec: ViewSpec<A>,
    private readonly gapMs: number,
  ) {}

  newTask(): SessionTask<A> {
    return new Map();
  }

  add(
    t: SessionTask<A>,
    e: AnalyticsEvent,
    key: string,
    _ctx?: EmitContext,
    ts = e.event_time,
    ist = e.intended_send_time,
  ): void {
    const gap = this.gapMs;
    const list = t.get(key);
    if (!list) {
      t.set(key, [this.open(e, ts, ist)]);
      return;
    }
    let hit: Session<A> | undefined;
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (!(s.start < ts + gap && ts < s.last + gap)) continue;
      if (!hit) {
        hit = s;
        continue;
      }
      // The event bridges two sessions: merge the later into the first hit.
      this.spec.merge(hit.acc, s.acc);
      hit.n += s.n;
      if (s.ist > hit.ist) hit.ist = s.ist;
      if (s.start < hit.start) hit.start = s.start;
      if (s.last > hit.last) hit.last = s.last;
      list.splice(i--, 1);
    }
    if (!hit) {
      list.push(this.open(e, ts, ist));
      return;
    }
    if (ts < hit.start) hit.start = ts;
    if (ts > hit.last) hit.last = ts;
    addToSlot(this.spec, hit, e, ts, ist);
  }

  private open(e: AnalyticsEvent, ts: number, ist: number): Session<A> {
    // A literal rather than a spread of newSlot(): one allocation, one object shape for every session.
    const s: Session<A> = {
      acc: this.spec.create(),
      n: 0,
      ist: -Infinity,
      dirty: false,
      start: ts,
      last: ts,
    };
    addToSlot(this.spec, s, e, ts, ist);
    if (s.last + this.gapMs < this.minEnd) this.minEnd = s.last + this.gapMs;
    return s;
  }

  nextFireAt(): number {
    return this.minEnd;
  }

  fire(horizon: number, tasks: readonly SessionTask<A>[], ctx: EmitContext): void {
    if (horizon < this.minEnd) return;
    const closed: { key: string; s: Session<A> }[] = [];
    let minEnd = Infinity;
    for (const t of tasks) {
      for (const [key, list] of t) {
        let keep = 0;
        for (const s of list) {
          const end = s.last + this.gapMs;
          if (end <= horizon) closed.push({ key, s });
          else {
            list[keep++] = s;
            if (end < minEnd) minEnd = end;
          }
        }
        if (keep === 0) t.delete(key);
        else list.length = keep;
      }
    }
    this.minEnd = minEnd;
    closed.sort(
      (a, b) => a.s.last - b.s.last || (a.key < b.key ? -1 : a.key > b.key ? 1 : a.s.start - b.s.start),
    );
    for (const { key, s } of closed)
      ctx.emit(makeResult(this.spec, ctx, 'final', key, s.start, s.last + this.gapMs, s));
  }

  early(tasks: readonly SessionTask<A>[], ctx: EmitContext): void {
    const changed: { key: string; s: Session<A> }[] = [];
    for (const t of tasks) {
      for (const [key, list] of t) {
        for (const s of list) {
          if (!s.dirty) continue;
          s.dirty = false;
          changed.push({ key, s });
        }
      }
    }
    changed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.s.start - b.s.start));
    for (const { key, s } of changed)
      ctx.emit(makeResult(this.spec, ctx, 'early', key, s.start, s.last + this.gapMs, s));
  }

  openWindows(tasks: readonly SessionTask<A>[]): number {
    let n = 0;
    for (const t of tasks) for (const list of t.values()) n += list.length;
    return n;
  }

  saveTask(t: SessionTask<A>): Json {
    return [...t].map(([key, list]) => [
      key,
      list.map((s) => [
        s.start,
        s.last,
        this.spec.jsonSafe ? (s.acc as Json) : encode(s.acc),
        s.n,
        encodeNum(s.ist),
        s.dirty,
      ]),
    ]) as Json;
  }

  loadTask(json: Json): SessionTask<A> {
    const t: SessionTask<A> = new Map();
    for (const [key, list] of json as [
      string,
      [number, number, Json, number, number | string, boolean][],
    ][]) {
      t.set(
        key,
        list.map(([start, last, acc, n, ist, dirty]) => ({
          start,
          last,
          acc: decode(acc) as A,
          n,
          ist: decodeNum(ist, `${this.spec.name} session ist`),
          dirty,
        })),
      );
    }
    return t;
  }

  saveGlobal(): Json {
    return { minEnd: encodeNum(this.minEnd) };
  }

  loadGlobal(json: Json): void {
    this.minEnd = decodeNum((json as { minEnd: number | string }).minEnd, 'minEnd');
  }
}

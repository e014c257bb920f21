import type { AnalyticsEvent } from '../events/types.js';
import type { EmitKind, ViewResult } from '../events/results.js';
import type { Json } from './serial.js';
import type { ViewSpec } from './views/spec.js';

/** What a runtime needs to emit: the engine sets wall time and watermark before each call. */
export interface EmitContext {
  wallNow: number;
  watermark: number;
  emit(result: ViewResult): void;
}

/** Aggregation state of one key in one pane or session, with what every result reports about its inputs. */
export interface Slot<A> {
  acc: A;
  /** Events aggregated. */
  n: number;
  /** Largest intended send time among them (end-to-end latency origin). */
  ist: number;
  /** Changed since the last early emission. */
  dirty: boolean;
}

export function newSlot<A>(spec: ViewSpec<A>): Slot<A> {
  return { acc: spec.create(), n: 0, ist: -Infinity, dirty: false };
}

/** `eventTime` and `sendTime` are the event's times (see ViewSpec.add). */
export function addToSlot<A>(
  spec: ViewSpec<A>,
  s: Slot<A>,
  e: AnalyticsEvent,
  eventTime: number,
  sendTime: number,
): void {
  spec.add(s.acc, e, eventTime, sendTime);
  s.n++;
  if (sendTime > s.ist) s.ist = sendTime;
  s.dirty = true;
}

export function makeResult<A>(
  spec: ViewSpec<A>,
  ctx: EmitContext,
  kind: EmitKind,
  key: string,
  start: number,
  end: number,
  slot: Pick<Slot<A>, 'acc' | 'n' | 'ist'>,
): ViewResult {
  return {
    view: spec.name,
    key,
    window_start: start,
    window_end: end,
    emit: kind,
    emitted_at: ctx.wallNow,
    watermark: ctx.watermark,
    last_intended_send_time: slot.ist,
    event_count: slot.n,
    fields: spec.result(slot.acc, { key, windowStart: start, windowEnd: end, emittedAt: ctx.wallNow }),
  };
}

/**
 * The runtime of one view. Its state is split per task (an input partition number: the same partition of
 * co-partitioned topics, as in Kafka Streams), so it can be snapshotted, restored and moved per partition;
 * results merge the tasks' partial aggregates when they are emitted.
 */
export interface ViewRuntime<T = unknown> {
  readonly spec: ViewSpec;
  newTask(): T;
  /** `eventTime` and `sendTime` are the event's times, when the caller has read them (see ViewSpec.add). */
  add(task: T, e: AnalyticsEvent, key: string, ctx: EmitContext, eventTime?: number, sendTime?: number): void;
  /** Watermark-horizon time at or after which `fire` has something to close (Infinity when nothing). */
  nextFireAt(): number;
  /** Emits final results of every window that ends at or before `horizon` and drops its state. */
  fire(horizon: number, tasks: readonly T[], ctx: EmitContext): void;
  /** Emits current results of open windows that changed since the last early emission. */
  early(tasks: readonly T[], ctx: EmitContext): void;
  openWindows(tasks: readonly T[]): number;
  saveTask(task: T): Json;
  loadTask(json: Json): T;
  saveGlobal(): Json;
  loadGlobal(json: Json, tasks: readonly T[]): void;
}

import type { AnalyticsEvent } from '../events/types.js';
import { makeResult, type EmitContext, type ViewRuntime } from './runtime.js';
import type { Json } from './serial.js';
import type { ViewSpec } from './views/spec.js';

/**
 * A stateless view that emits one final record per accepted event, in append mode (002's orders_raw): the
 * record never changes, so there is nothing to wait for. Its window is the event's tumbling window.
 */
export class EachRuntime<A> implements ViewRuntime<null> {
  constructor(
    readonly spec: ViewSpec<A>,
    private readonly windowMs: number,
  ) {}

  newTask(): null {
    return null;
  }

  add(
    _t: null,
    e: AnalyticsEvent,
    key: string,
    ctx: EmitContext,
    ts = e.event_time,
    ist = e.intended_send_time,
  ): void {
    const start = ts - (((ts % this.windowMs) + this.windowMs) % this.windowMs);
    const acc = this.spec.create();
    this.spec.add(acc, e, ts, ist);
    ctx.emit(makeResult(this.spec, ctx, 'final', key, start, start + this.windowMs, { acc, n: 1, ist }));
  }

  nextFireAt(): number {
    return Infinity;
  }
  fire(): void {}
  early(): void {}
  openWindows(): number {
    return 0;
  }
  saveTask(): Json {
    return null;
  }
  loadTask(): null {
    return null;
  }
  saveGlobal(): Json {
    return null;
  }
  loadGlobal(): void {}
}

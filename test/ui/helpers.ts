import { EventEmitter } from 'node:events';
import type { Alert, Severity, ViewResult } from '../../src/events/results.js';
import type { LiveSnapshot } from '../../src/pipeline/live-stats.js';
import { newCounters, type ProcessorCounters } from '../../src/pipeline/processor.js';

/** Lets ink's frame timers and React commits run. */
export const settle = (ms = 40) => new Promise((r) => setTimeout(r, ms));

/** Detects an ANSI escape sequence (built from the code point: the lint rule forbids control characters in regex literals). */
export const ANSI = new RegExp(String.fromCharCode(27) + '\\[');

export function counters(over: Partial<ProcessorCounters> = {}): ProcessorCounters {
  return { ...newCounters(), ...over };
}

export function snapshot(over: Partial<LiveSnapshot> = {}): LiveSnapshot {
  return {
    at: 1_700_000_000_000,
    uptimeS: 1,
    produced: null,
    producedPerSec: null,
    consumedPerSec: 0,
    resultsPerSec: 0,
    alertsPerSec: 0,
    lag: { total: 0, partitions: {} },
    watermark: null,
    watermarkLagMs: null,
    latency: {},
    counters: counters(),
    sinks: {},
    ...over,
  };
}

let n = 0;
export function alert(
  pattern: string,
  severity: Severity,
  key: string,
  message = `${pattern} matched for ${key}`,
): Alert {
  n++;
  return {
    alert_id: `a-${n}`,
    pattern,
    severity,
    key,
    message,
    events: [],
    first_event_time: 1_700_000_000_000,
    last_event_time: 1_700_000_000_000,
    detected_at: 1_700_000_000_000 + n,
    trigger_intended_send_time: 1_700_000_000_000,
  };
}

export function viewResult(
  view: string,
  windowStart: number,
  emit: 'early' | 'final',
  fields: ViewResult['fields'],
  windowMs = 60_000,
): ViewResult {
  return {
    view,
    key: '',
    window_start: windowStart,
    window_end: windowStart + windowMs,
    emit,
    emitted_at: windowStart + windowMs,
    watermark: windowStart,
    last_intended_send_time: windowStart,
    event_count: 1,
    fields,
  };
}

/** A stand-in for LiveStats + Processor: the same events, filled by the test. */
export class FakePipeline extends EventEmitter<{
  snapshot: [LiveSnapshot];
  result: [ViewResult];
  alert: [Alert];
}> {}

/**
 * Waits until `frame()` matches `re` (or `timeoutMs` passes) and returns the frame: frames are redrawn
 * on timers, and the first redraw of a run can be slow while modules warm up.
 */
export async function waitForFrame(frame: () => string, re: RegExp, timeoutMs = 3000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!re.test(frame()) && Date.now() < deadline) await settle(10);
  return frame();
}

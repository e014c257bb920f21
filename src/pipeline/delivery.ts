import type { EventEmitter } from 'node:events';
import type { LatencyRecorders } from '../reporting/histograms.js';
import type { Output, Sink } from '../sinks/types.js';
import type { Clock } from '../time/clock.js';
import type { OutgoingMessage } from '../transport/types.js';
import type { ProcessorCounters } from './counters.js';
import type { DeadLetter } from './task-runtime.js';

/**
 * Dead letters as records of the dead-letter topic: the original bytes (or the refused event's JSON), with
 * the kind, reason, reason code and source in headers. Counts them.
 */
export function deadLetterMessages(dls: DeadLetter[], c: ProcessorCounters): OutgoingMessage[] {
  return dls.map((d) => {
    c.deadLetters++;
    c.deadLetterReasons[d.bucket] = (c.deadLetterReasons[d.bucket] ?? 0) + 1;
    const source = d.record
      ? (d.record.source ?? `${d.record.topic}/${d.record.partition}@${d.record.offset}`)
      : undefined;
    return {
      key: d.record?.key ?? d.event?.user_id ?? null,
      value: d.record?.value ?? Buffer.from(JSON.stringify(d.event ?? { reason: d.reason })),
      headers: {
        'rtap-kind': d.kind,
        'rtap-reason': d.reason,
        'rtap-reason-code': d.bucket,
        ...(source ? { 'rtap-source': source } : {}),
      },
    };
  });
}

/** Emitter of the live feed (Processor, file mode): 'result' and 'alert' per delivered output. */
type OutputFeed = Pick<EventEmitter, 'emit'>;

/**
 * Writes outputs to every sink (awaiting them is the back-pressure path), then counts them and records
 * their latencies as delivered: end-to-end for every result, window close for finals the watermark closed,
 * alert latency for alerts.
 */
export async function deliverOutputs(
  outputs: Output[],
  sinks: Sink[],
  rec: LatencyRecorders,
  c: ProcessorCounters,
  clock: Clock,
  feed: OutputFeed,
): Promise<void> {
  await Promise.all(sinks.map((s) => s.write(outputs)));
  const delivered = clock.now();
  for (const out of outputs) {
    if (out.kind === 'result') {
      const r = out.result;
      c.results++;
      // End-to-end covers every delivered result (early ones are what live views show); window close
      // only finals, whose wait for the watermark it measures.
      rec.recordFrom('e2e', r.last_intended_send_time, delivered);
      rec.recordViewE2e(r.view, r.last_intended_send_time, delivered);
      if (r.emit === 'final') {
        c.finalResults++;
        // Only windows the watermark closed: per-event records (raw orders) and end-of-input drains
        // did not wait for the watermark, so they say nothing about window close latency.
        if (r.watermark >= r.window_end) rec.recordFrom('window_close', r.window_end, delivered);
      }
      feed.emit('result', r);
    } else {
      c.alerts++;
      // An alert the end of input raised did not wait for the stream: it has no latency to speak of.
      if (!out.alert.at_end_of_input)
        rec.recordFrom('alert', out.alert.trigger_intended_send_time, delivered);
      feed.emit('alert', out.alert);
    }
  }
}

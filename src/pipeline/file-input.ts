import { readTextLines, type LineOptions } from '../files/lines.js';
import { eventKey } from '../events/types.js';
import { decodeJson } from '../events/codec.js';
import { TOPICS, topicForEventType } from '../transport/topics.js';
import type { OutgoingMessage, Producer } from '../transport/types.js';
import { MALFORMED_LINE_KEY, parseRecordingLine } from '../simulator/index.js';

/**
 * Lines of a JSONL file, gunzipped when the name ends in .gz; a .gz that ends early yields every complete
 * line before the cut and tells `options.onCut` where it stopped (src/files/lines.ts).
 */
export function readLines(path: string, options: LineOptions = {}): AsyncGenerator<string> {
  return readTextLines(path, options);
}

/**
 * Loads a recorded stream into the log exactly as a producer would have sent it: valid events to their
 * topic keyed like the simulator keys them, malformed lines as-is to the main topic (the processor
 * dead-letters them with their reason). Returns how many records were written.
 */
export async function loadRecording(
  path: string,
  producer: Producer,
  batchSize = 1000,
  lines: LineOptions = {},
): Promise<number> {
  let n = 0;
  const pending = new Map<string, OutgoingMessage[]>();
  const flush = async () => {
    for (const [topic, msgs] of pending) if (msgs.length) await producer.send(topic, msgs);
    pending.clear();
  };
  let lineNo = 0;
  for await (const line of readLines(path, lines)) {
    lineNo++;
    let topic: string = TOPICS.events;
    let key: string | null = null;
    let value: Buffer = Buffer.from(line);
    if (line.includes(MALFORMED_LINE_KEY)) {
      // A recorded malformed record: replay its exact bytes to its topic, so the reason is the original one.
      const entry = parseRecordingLine(line, `${path}:${lineNo}`);
      if (entry.kind === 'malformed') ({ topic, key, value } = entry);
    } else {
      try {
        const e = decodeJson(line);
        topic = topicForEventType(e.event_type);
        key = eventKey(e);
      } catch {
        // A malformed line: sent as-is, the processor dead-letters it with the reason.
      }
    }
    const list = pending.get(topic) ?? [];
    list.push({ key, value });
    pending.set(topic, list);
    if (++n % batchSize === 0) await flush();
  }
  await flush();
  return n;
}

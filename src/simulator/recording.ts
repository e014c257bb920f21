import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip, type Gzip } from 'node:zlib';
import { readNumberedLines, type LineOptions } from '../files/lines.js';
import { UsageError } from '../errors.js';
import { encodeEvent, type Encoding } from '../events/codec.js';
import { eventKey, type AnalyticsEvent } from '../events/types.js';
import { validateEvent } from '../events/validate.js';
import type { Clock } from '../time/clock.js';
import type { Producer } from '../transport/types.js';
import type { SimulatorTopics } from './config.js';
import { topicFor, type SimRecord } from './generator.js';
import { LineReader, RecentSet } from './line-reader.js';
import { CsvReader, csvHeader, csvRow, isCsvPath } from './csv.js';
import { runSchedule, type PacingHooks, type PacingOptions, type RunSummary } from './pacing.js';

/**
 * A replayed event counts as a duplicate when its event_id was among this many records before it: the
 * generator's duplicates copy one of the last 64 records of their shard, so a few shards' worth of that
 * suffices, and the memory (and the set's upkeep per record) stays small.
 */
const DUPLICATE_MEMORY = 4096;

/**
 * Recordings (`rtap simulate --out events.jsonl[.gz]`): one line per record, in send order.
 *
 * - A valid event (duplicates included) is its JSON encoding, exactly the bytes encodeJson() gives, so any
 *   JSONL tool can read a recording as a list of events.
 * - A malformed record keeps its exact bytes, which may not be text:
 *   `{"rtap_malformed":{"topic":...,"key":...,"intended_send_time":...,"kind":...,"reason":...,"value_base64":...}}`
 *   A replay sends those bytes unchanged, so the decoder rejects them again for the same reason.
 */
export const MALFORMED_LINE_KEY = 'rtap_malformed';

export type RecordedEntry =
  | { kind: 'event'; event: AnalyticsEvent }
  | {
      kind: 'malformed';
      topic: string;
      key: string | null;
      intendedSendTime: number;
      malformedKind: string;
      reason: string;
      value: Buffer;
    };

export function recordingLine(record: SimRecord, intendedSendTime: number): string {
  if (record.event) return JSON.stringify(record.event);
  return JSON.stringify({
    [MALFORMED_LINE_KEY]: {
      topic: record.topic,
      key: record.key,
      intended_send_time: Math.round(intendedSendTime),
      kind: record.malformedKind ?? 'unknown',
      reason: record.malformedReason ?? '',
      value_base64: record.value.toString('base64'),
    },
  });
}

export function parseRecordingLine(line: string, where: string): RecordedEntry {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    throw new UsageError(`${where}: not a JSON line (${(err as Error).message})`);
  }
  const m = (v as Record<string, unknown> | null)?.[MALFORMED_LINE_KEY] as
    Record<string, unknown> | undefined;
  if (m !== undefined) {
    if (
      typeof m.topic !== 'string' ||
      typeof m.value_base64 !== 'string' ||
      typeof m.intended_send_time !== 'number'
    ) {
      throw new UsageError(
        `${where}: ${MALFORMED_LINE_KEY} entry needs topic, intended_send_time and value_base64`,
      );
    }
    return {
      kind: 'malformed',
      topic: m.topic,
      key: typeof m.key === 'string' ? m.key : null,
      intendedSendTime: m.intended_send_time,
      malformedKind: String(m.kind ?? 'unknown'),
      reason: String(m.reason ?? ''),
      value: Buffer.from(m.value_base64, 'base64'),
    };
  }
  try {
    return { kind: 'event', event: validateEvent(v) };
  } catch (err) {
    throw new UsageError(`${where}: not a valid event: ${(err as Error).message}`);
  }
}

/**
 * The line parser of a recording, by its name: JSONL (recordingLine) or CSV (src/simulator/csv.ts,
 * header row first). Returns null for a CSV file's header row. Errors name file:line (CSV: :column).
 */
export function recordingParser(path: string): (line: string, where: string) => RecordedEntry | null {
  if (!isCsvPath(path)) return parseRecordingLine;
  let csv: CsvReader | null = null;
  return (line, where) => {
    if (!csv) {
      csv = new CsvReader(line, where);
      return null;
    }
    try {
      return { kind: 'event', event: csv.parse(line, where) };
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  };
}

/**
 * Writes records as recording lines to a file (gzip for .gz), honouring stream back-pressure: JSONL, or
 * CSV when the name ends in .csv[.gz] (events only: a malformed record's bytes have no CSV form).
 */
export class RecordingWriter {
  private readonly file: WriteStream;
  private readonly out: NodeJS.WritableStream;
  private readonly gzip: Gzip | null;
  private buffer = '';
  private readonly csv: boolean;
  records = 0;

  constructor(readonly path: string) {
    this.csv = isCsvPath(path);
    if (this.csv) this.buffer = csvHeader() + '\n';
    this.file = createWriteStream(path);
    this.gzip = path.endsWith('.gz') ? createGzip() : null;
    if (this.gzip) this.gzip.pipe(this.file);
    this.out = this.gzip ?? this.file;
  }

  /** Buffers the line; call drain() now and then (or await write) to pass back-pressure on. */
  add(record: SimRecord, intendedSendTime: number): void {
    if (this.csv) {
      if (!record.event) throw csvMalformed(this.path);
      this.buffer += csvRow(record.event) + '\n';
    } else this.buffer += recordingLine(record, intendedSendTime) + '\n';
    this.records++;
  }

  /** A line made elsewhere (recordingLine() on a generator thread). */
  addLine(line: string): void {
    if (this.csv) {
      const entry = parseRecordingLine(line, this.path);
      if (entry.kind !== 'event') throw csvMalformed(this.path);
      this.buffer += csvRow(entry.event) + '\n';
    } else this.buffer += line + '\n';
    this.records++;
  }

  async write(record: SimRecord, intendedSendTime: number): Promise<void> {
    this.add(record, intendedSendTime);
    if (this.buffer.length >= 64 * 1024) await this.drain();
  }

  async drain(): Promise<void> {
    if (!this.buffer) return;
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    await this.drain();
    this.out.end();
    await once(this.file, 'close');
  }
}

function csvMalformed(path: string): UsageError {
  return new UsageError(
    `${path}: a CSV recording holds events only, not the bytes of malformed records`,
    'record with --malformed-share to a .jsonl[.gz] file, or give --malformed-share 0',
  );
}

/** Writes a whole sequence of records; returns how many. */
export async function writeRecording(
  path: string,
  records:
    | Iterable<{ record: SimRecord; intended: number }>
    | AsyncIterable<{ record: SimRecord; intended: number }>,
): Promise<number> {
  const w = new RecordingWriter(path);
  try {
    for await (const { record, intended } of records) await w.write(record, intended);
  } finally {
    await w.close();
  }
  return w.records;
}

/**
 * Reads a recording (gzip for .gz), line by line; errors name the file and line. A .gz cut short yields
 * every complete line before the cut and tells `options.onCut` (without it, the cut is an error).
 */
export async function* readRecording(path: string, options: LineOptions = {}): AsyncGenerator<RecordedEntry> {
  const parse = recordingParser(path);
  for await (const { line, text } of readNumberedLines(path, options)) {
    const entry = parse(text, `${path}:${line}`);
    if (entry) yield entry;
  }
}

export interface ReplayOptions {
  /** 1 = recorded pace, 2 = twice as fast, 'max' = as fast as the transport takes it. */
  speed: number | 'max';
  topics: SimulatorTopics;
  encoding: Encoding;
  /**
   * 'shift' (default): move every event time by the same whole number of minutes, so the replay happens
   * "now" and 5-second and 1-minute windows hold exactly the recorded events. 'keep': original event times.
   */
  eventTime?: 'shift' | 'keep';
  /** Stop after this many records. */
  events?: number;
  /** The recording ends early (a cut .gz): what precedes the cut is replayed, this is told where. */
  onCut?: LineOptions['onCut'];
}

/**
 * Re-sends a recording through a producer in recorded order. Each record's intended_send_time is
 * re-stamped by the replay schedule: replay start + (recorded intended send time − the first one) / speed,
 * or the moment it is sent with `speed: 'max'`. Valid events are re-encoded in `encoding`; malformed
 * records are sent as their recorded bytes.
 */
export async function replay(
  path: string,
  producer: Producer,
  options: ReplayOptions,
  clock: Clock,
  hooks: PacingHooks = {},
  pacing: Pick<PacingOptions, 'batchMaxMs' | 'batchMaxRecords' | 'maxInFlight' | 'progressIntervalMs'> = {},
): Promise<RunSummary> {
  const speed = options.speed;
  if (speed !== 'max' && !(typeof speed === 'number' && Number.isFinite(speed) && speed > 0)) {
    throw new UsageError(
      `invalid replay speed ${JSON.stringify(speed)}: expected a positive factor like 2, or 'max'`,
    );
  }
  const batch = pacing.batchMaxRecords ?? 500;
  // Enough lines for the next batch of the sending loop plus its one-ahead look at the schedule.
  const ahead_lines = 4 * batch + 1;
  const lines = new LineReader(path, { onCut: options.onCut });
  await lines.fill(ahead_lines);
  const limit = options.events ?? Infinity;
  let parsed = 0;
  const ahead: RecordedEntry[] = [];
  let firstRecorded: number | null = null;
  let lastOffset = 0;
  let shift: number | null = null;
  const seen = new RecentSet(DUPLICATE_MEMORY);
  let batchStart = clock.now();
  const parse = recordingParser(path);
  const recordedTime = (e: RecordedEntry) =>
    e.kind === 'event' ? e.event.intended_send_time : e.intendedSendTime;

  const makeSchedule = (startedAt: number) => ({
    next(): number | null {
      if (parsed >= limit) return null;
      let entry: RecordedEntry | null = null;
      while (!entry) {
        const line = lines.shift();
        if (line === undefined) return null;
        entry = parse(line, `${path}:${lines.lineNumber}`); // null: a CSV header row
      }
      parsed++;
      ahead.push(entry);
      const t = recordedTime(entry);
      firstRecorded ??= t;
      // Duplicates carry their original (earlier) intended time: never schedule backwards. At maximum
      // speed a record is due when the batch it goes out in starts (later would end that batch).
      lastOffset =
        speed === 'max' ? batchStart - startedAt : Math.max(lastOffset, (t - firstRecorded) / speed);
      return lastOffset;
    },
  });

  const source = {
    next(intendedSendTime: number): SimRecord {
      const entry = ahead.shift()!;
      const intended = Math.round(intendedSendTime);
      if (entry.kind === 'malformed') {
        return {
          topic: entry.topic,
          key: entry.key,
          value: entry.value,
          event: null,
          malformedReason: entry.reason,
          malformedKind: entry.malformedKind as SimRecord['malformedKind'],
          duplicate: false,
          late: false,
        };
      }
      const e = entry.event;
      shift ??= options.eventTime === 'keep' ? 0 : Math.floor((intended - firstRecorded!) / 60_000) * 60_000;
      const late = e.event_time < e.intended_send_time;
      // The parsed event is the replay's own: re-stamped in place rather than copied.
      const event = e as AnalyticsEvent;
      event.event_time = e.event_time + shift;
      event.intended_send_time = intended;
      const duplicate = seen.has(e.event_id);
      seen.add(e.event_id);
      return {
        topic: topicFor(event.event_type, options.topics),
        key: eventKey(event),
        value: encodeEvent(event, options.encoding),
        event,
        duplicate,
        late,
      };
    },
  };
  try {
    return await runSchedule(source, producer, makeSchedule, clock, hooks, {
      ...pacing,
      refill: () => {
        batchStart = clock.now();
        return lines.available < ahead_lines ? lines.fill(2 * ahead_lines) : null;
      },
    });
  } finally {
    await lines.close();
  }
}

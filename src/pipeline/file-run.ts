import { EventEmitter } from 'node:events';
import { statSync } from 'node:fs';
import type { EngineConfig } from '../engine/index.js';
import { decodeJson } from '../events/codec.js';
import { eventKey, type AnalyticsEvent } from '../events/types.js';
import type { LatencyRecorders } from '../reporting/histograms.js';
import { CsvReader, MALFORMED_LINE_KEY, isCsvPath, parseRecordingLine } from '../simulator/index.js';
import { JsonlSink } from '../sinks/jsonl.js';
import { sinkStatsOf } from '../sinks/stats.js';
import type { Sink, SinkStats } from '../sinks/types.js';
import type { Clock } from '../time/clock.js';
import { partitionForKey } from '../transport/partitioner.js';
import {
  DEFAULT_PIPELINE_TOPICS,
  inputTopicsOf,
  topicForEventType,
  type PipelineTopics,
} from '../transport/topics.js';
import { newCounters } from './counters.js';
import { deliverOutputs } from './delivery.js';
import { readNumberedLineBatches, type InputCut } from '../files/lines.js';
import type { ProcessorEvents } from './processor.js';
import { TaskRuntime, type DeadLetter, type InputRecord } from './task-runtime.js';
import { taskFactories } from './task-spec.js';

export interface FileRunOptions {
  path: string;
  /** watermarkScope 'stream' is set here: a recording is one arrival order. */
  engine: EngineConfig;
  /** Pattern files or directories (task-spec.ts); undefined = the shipped ones; ['none'] = no CEP. */
  patterns?: string[];
  sinks: Sink[];
  recorders: LatencyRecorders;
  clock: Clock;
  /** Lines per step: engine ticks (sessions close), CEP advances and outputs are delivered per chunk. */
  chunkLines?: number;
  signal?: AbortSignal;
  /** The topics (and partitions) a producer would have sent each line to; the reference topology by default. */
  topics?: PipelineTopics;
}

/** Progress of a file run: records and bytes read so far, of how many (bytes of the file on disk). */
export interface FileProgress {
  /** Non-blank lines read. */
  lines: number;
  bytesRead: number;
  totalBytes: number;
}

/**
 * File mode (`rtap process --input`): replays a recording in its own order, line by line, through one task
 * runtime (decode → engine → CEP), streaming (memory does not grow with the file). The recording is one
 * arrival order, so the engine keeps one watermark over it (the newest event time read so far − the
 * out-of-orderness), never idle: which event is late depends only on the lines before it (docs/views.md,
 * "File mode"). Each line keeps the topic and partition a producer would have sent it to (sessions and
 * windows are partitioned as on Kafka); dead letters go to the JSONL outputs as `kind: dead_letter` with
 * their file and line. Emits the processor's live events, so live views and dashboards work on it.
 */
export class FileRun extends EventEmitter<ProcessorEvents> {
  readonly counters = newCounters();
  readonly lag = new Map<string, number>();
  private readonly runtime: TaskRuntime;
  private readonly jsonl: JsonlSink[];
  private read: FileProgress;
  /** Where the input ended early (a cut .gz), if it did: everything before it was processed. */
  cut: InputCut | null = null;

  private readonly topics: PipelineTopics;

  constructor(private readonly o: FileRunOptions) {
    super();
    this.topics = o.topics ?? DEFAULT_PIPELINE_TOPICS;
    const engine: EngineConfig = { ...o.engine, watermarkScope: 'stream' };
    this.runtime = new TaskRuntime({
      name: 'file',
      ...taskFactories({ engine, patterns: o.patterns, inputTopics: inputTopicsOf(this.topics) }, 'single'),
      counters: this.counters,
      archive: o.sinks.some((s) => s.archive),
      ingest: (ist, now) => o.recorders.recordFrom('ingest', ist, now),
      warn: (message) => process.stderr.write(`rtap: warning: ${message}\n`),
    });
    this.jsonl = o.sinks.filter((s): s is JsonlSink => s instanceof JsonlSink);
    let totalBytes = 0;
    try {
      totalBytes = statSync(o.path).size;
    } catch {
      // The reader reports an unreadable input with its name.
    }
    this.read = { lines: 0, bytesRead: 0, totalBytes };
  }

  progress(): FileProgress {
    return { ...this.read };
  }

  watermark(): number {
    return this.runtime.watermark();
  }

  totalLag(): number {
    return 0;
  }

  /** The counters of every sink, by sink name. */
  sinkStats(): Record<string, SinkStats> {
    return sinkStatsOf(this.o.sinks);
  }

  /** Reads the whole file, then drains (every window closes) and flushes the sinks. */
  async run(): Promise<void> {
    const chunk = this.o.chunkLines ?? 1000;
    let records: InputRecord[] = [];
    const batches = readNumberedLineBatches(this.o.path, {
      onBytes: (bytes) => (this.read.bytesRead = bytes),
      onCut: (cut) => (this.cut = cut),
    });
    // A CSV recording (004's events.csv.gz) starts with its header row.
    let csv: CsvReader | null | undefined = isCsvPath(this.o.path) ? undefined : null;
    for await (const lines of batches)
      for (const { line, text } of lines) {
        this.read.lines++;
        if (csv === undefined) {
          csv = new CsvReader(text, `${this.o.path}:${line}`);
          continue;
        }
        records.push(csv ? this.csvRecord(csv, text, line) : this.record(text, line));
        if (records.length >= chunk) {
          await this.step(records);
          records = [];
          if (this.o.signal?.aborted) return;
        }
      }
    await this.step(records);
    const now = this.o.clock.now();
    this.runtime.drain(now);
    await this.deliver();
    await Promise.all(this.o.sinks.map((s) => s.flush()));
  }

  private async step(records: InputRecord[]): Promise<void> {
    const now = this.o.clock.now();
    if (records.length) this.runtime.process(records, now);
    // Event time moves with the lines: sessions and dedup expire as they would on a tick.
    this.runtime.tick(now);
    await this.deliver();
    this.emit('batch', { topic: this.o.path, partition: 0, records: records.length, lag: 0 });
  }

  /** A line as the record a producer would have sent: its topic, key and partition. */
  private record(line: string, lineNo: number): InputRecord {
    const source = `${this.o.path}:${lineNo}`;
    const value = Buffer.from(line);
    if (line.includes(MALFORMED_LINE_KEY)) {
      // A recorded malformed record: its exact bytes, so its dead-letter reason is the original one.
      try {
        const entry = parseRecordingLine(line, source);
        if (entry.kind === 'malformed')
          return { ...this.at(entry.topic, entry.key), offset: lineNo, value: entry.value, source };
      } catch {
        // Not a recorder's entry after all: decoded below like any line.
      }
    }
    let event: AnalyticsEvent | undefined;
    try {
      event = decodeJson(line);
    } catch {
      // Malformed: decoded again by the runtime, which dead-letters it with the reason.
      return { ...this.at(this.topics.names.events, null), offset: lineNo, value, source };
    }
    return {
      ...this.at(topicForEventType(event.event_type, this.topics.names), eventKey(event)),
      offset: lineNo,
      value,
      source,
      event,
    };
  }

  /** A CSV row as its event's record; a malformed row is dead-lettered with its file:line:column reason. */
  private csvRecord(csv: CsvReader, line: string, lineNo: number): InputRecord {
    const source = `${this.o.path}:${lineNo}`;
    const value = Buffer.from(line);
    let event: AnalyticsEvent;
    try {
      event = csv.parse(line, source);
    } catch (err) {
      return {
        ...this.at(this.topics.names.events, null),
        offset: lineNo,
        value,
        source,
        invalid: err as Error,
      };
    }
    return {
      ...this.at(topicForEventType(event.event_type, this.topics.names), eventKey(event)),
      offset: lineNo,
      value,
      source,
      event,
    };
  }

  private at(topic: string, key: string | null): { topic: string; partition: number; key: string | null } {
    const partitions = this.topics.partitions[topic] ?? 1;
    return { topic, key, partition: key === null ? 0 : partitionForKey(key, partitions) };
  }

  private async deliver(): Promise<void> {
    const { outputs, deadLetters, accepted } = this.runtime.take();
    if (deadLetters.length) await this.writeDeadLetters(deadLetters);
    // The archive of the input comes before the outputs those events contributed to.
    if (accepted.length) await Promise.all(this.o.sinks.map((s) => s.archive?.(accepted)));
    if (outputs.length)
      await deliverOutputs(outputs, this.o.sinks, this.o.recorders, this.counters, this.o.clock, this);
  }

  private async writeDeadLetters(dls: DeadLetter[]): Promise<void> {
    const c = this.counters;
    for (const d of dls) {
      c.deadLetters++;
      c.deadLetterReasons[d.bucket] = (c.deadLetterReasons[d.bucket] ?? 0) + 1;
      if (d.kind === 'late' && d.event) this.emit('late', d.event);
    }
    const lines = dls.map(deadLetterLine);
    for (const sink of this.jsonl) await sink.writeRecords(lines);
  }
}

/**
 * A dead letter as a line of the output: what it is, why, where it came from (file:line) and what it was
 * (the line's text, or the refused event).
 */
function deadLetterLine(d: DeadLetter): Record<string, unknown> {
  const raw = d.record ? d.record.value.toString('utf8') : undefined;
  return {
    kind: 'dead_letter',
    dead_letter: d.kind,
    reason_code: d.bucket,
    reason: d.reason,
    source: d.record?.source ?? null,
    ...(d.kind === 'malformed' ? { raw } : { event: d.event }),
  };
}

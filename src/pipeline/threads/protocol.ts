import type { AnalyticsEvent } from '../../events/types.js';
import type { Output } from '../../sinks/types.js';
import type { ProcessorCounters } from '../counters.js';
import type { Unread } from '../../engine/watermark.js';
import type { EncodedUnit, StoredUnit } from '../../checkpoint/chunks.js';
import type { PackedBytes } from '../../transport/packed.js';
import type { DeadLetterKind, PaneRecord, TaskState } from '../task-runtime.js';
import type { TaskSpec } from '../task-spec.js';

/** What a worker thread is started with: the tasks it runs and how to build them. */
export interface WorkerInit {
  spec: TaskSpec;
  /** Every input partition number (progress reports name the task's). */
  partitions: number[];
  tasks: number;
  /** Send the accepted events back (a sink archives the input). */
  archive: boolean;
  /** The tasks this worker runs (`task-<n>`): fresh until a `restore` gives them their state. */
  units: string[];
}

/** One partition's records within a BatchMessage: the next `count` of its offsets, keys and values. */
export interface BatchPart {
  task: string;
  topic: string;
  partition: number;
  count: number;
  /** Wall time the batch was received (ingest latency's end, the task's "now"). */
  now: number;
}

/**
 * The batches handed over since the previous message (one fetch's partitions, typically), packed for the
 * thread: the values end to end in one transferred buffer (no copy on the worker's side), offsets and keys
 * alongside. The worker runs the parts in order, as separate calls would have.
 */
export interface BatchMessage {
  type: 'batch';
  id: number;
  parts: BatchPart[];
  offsets: Float64Array;
  keys: (string | null)[];
  /** The records' values, back to back (transport/packed.ts). */
  values: PackedBytes;
}

export type ToWorker =
  | BatchMessage
  | { type: 'tick'; id: number; now: number; unread?: Unread }
  | { type: 'drain'; id: number; now: number }
  /** Each task's state, encoded as checkpoint chunks relative to `known` (DeltaEncoder.known). */
  | { type: 'snapshot'; id: number; known: ReadonlyMap<string, string> | null }
  /**
   * The tasks' restored state (null: fresh), replacing what they held. A thread boots while the
   * checkpoint is read, so its start-up is not part of the restore.
   */
  | { type: 'restore'; id: number; units: Record<string, TaskState | StoredUnit | null> }
  /** Answered when everything before it was: a barrier. */
  | { type: 'ping'; id: number }
  | { type: 'assign'; id: number; partitions: { topic: string; partition: number }[]; now: number };

/** A dead letter as the worker returns it: the batch record by index, or the refused event. */
export interface WireDeadLetter {
  /** Index of the record in its batch; -1 when the record is not the batch's (none for late panes). */
  index: number;
  event: unknown;
  reason: string;
  bucket: string;
  kind: DeadLetterKind;
}

/** What one task produced during a call. */
export interface TaskOutput {
  task: string;
  outputs: Output[];
  deadLetters: WireDeadLetter[];
  panes: PaneRecord[];
  accepted: AnalyticsEvent[];
  watermark: number;
  horizon: number;
}

export type FromWorker =
  | {
      type: 'done';
      id: number;
      results: TaskOutput[];
      /** Counts since the previous reply. */
      counters: ProcessorCounters;
      /** Intended send time of every valid event of a batch (ingest latency, recorded by the caller). */
      ingest: Float64Array | null;
      /** A batch message: where each part's samples end in `ingest` (results are per part, in order). */
      ingestEnds?: number[];
      states?: Record<string, EncodedUnit>;
    }
  | { type: 'error'; id: number; message: string; stack?: string }
  | { type: 'warn'; message: string };

import type { MessagePort } from 'node:worker_threads';
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
  /** The tasks this worker runs (`task-<n>`, or `merge`): fresh until a `restore` gives them their state. */
  units: string[];
  /** 'merge': the thread of the merge step, fed by the task threads' pane ports. */
  role: 'task' | 'merge';
  /** A task thread: where its tasks' panes, progress and forwarded events go (the merge thread). */
  mergePort?: MessagePort;
  /** The merge thread: one port per task thread, in the pool's order of task threads. */
  panePorts?: MessagePort[];
}

/**
 * What a task thread sends the merge thread after a call from the main thread: its tasks' pane records
 * with the wall time of the call that produced them, in the order produced.
 */
export interface PaneMessage {
  groups: { now: number; records: PaneRecord[] }[];
}

/**
 * The pane messages the merge thread must have taken from each task thread (pool order) before it runs
 * a call: the barrier that puts a checkpoint or the end of input after every pane sent before it.
 */
export type Expect = number[];

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
  | { type: 'drain'; id: number; now: number; expect?: Expect }
  /** Each task's state, encoded as checkpoint chunks relative to `known` (DeltaEncoder.known). */
  | { type: 'snapshot'; id: number; known: ReadonlyMap<string, string> | null; expect?: Expect }
  /**
   * The tasks' restored state (null: fresh), replacing what they held. A thread boots while the
   * checkpoint is read, so its start-up is not part of the restore.
   */
  | { type: 'restore'; id: number; units: Record<string, TaskState | StoredUnit | null> }
  /** Answered when everything before it was: a barrier. */
  | { type: 'ping'; id: number; expect?: Expect }
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
  accepted: AnalyticsEvent[];
  watermark: number;
  horizon: number;
}

export type FromWorker =
  | {
      type: 'done';
      /** -1: not a reply; the merge thread's outputs of pane messages. */
      id: number;
      results: TaskOutput[];
      /** Counts since the previous reply. */
      counters: ProcessorCounters;
      /** Intended send time of every valid event of a batch (ingest latency, recorded by the caller). */
      ingest: Float64Array | null;
      /** A batch message: where each part's samples end in `ingest` (results are per part, in order). */
      ingestEnds?: number[];
      states?: Record<string, EncodedUnit>;
      /** A task thread: pane messages sent to the merge thread so far. */
      panesSent?: number;
      /** The merge thread: pane messages taken so far, from all task threads. */
      merged?: number;
    }
  /** id -1: a failure outside a call (the merge thread's pane messages). */
  | { type: 'error'; id: number; message: string; stack?: string }
  | { type: 'warn'; message: string };

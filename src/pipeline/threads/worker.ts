/**
 * A worker thread of `rtap process --threads N`: runs some of the pipeline's tasks (task-runtime.ts) on
 * batches the main thread hands it, and replies with what they produced; or the merge step, fed by the
 * task threads directly (their panes never pass through the main thread, whose event loop and heap stay
 * the consumer's and producer's). It holds no I/O: the main thread consumes, delivers, commits and
 * checkpoints.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { encodeUnit, type EncodedUnit, type StoredUnit } from '../../checkpoint/chunks.js';
import { packBytes, partAt } from '../../transport/packed.js';
import { newCounters, resetCounters } from '../counters.js';
import { TaskRuntime, type DeadLetter, type InputRecord, type TaskState } from '../task-runtime.js';
import { taskFactories } from '../task-spec.js';
import type {
  FromWorker,
  PaneMessage,
  TaskOutput,
  ToWorker,
  WorkerInit,
  WireDeadLetter,
} from './protocol.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const counters = newCounters();
let ingest: number[] = [];
const merging = init.role === 'merge';
const factories = taskFactories(init.spec, init.role);
const units = new Map<string, TaskRuntime>();
/** A task thread: the pane records of the current call, sent to the merge thread before its reply. */
const toMerge = init.mergePort ?? null;
let paneGroups: PaneMessage['groups'] = [];
let panesSent = 0;
/** The merge thread: pane messages taken from each task thread. */
const received = (init.panePorts ?? []).map(() => 0);

function runtime(name: string, state: TaskState | StoredUnit | null): TaskRuntime {
  if (merging)
    return new TaskRuntime({
      name,
      ...factories,
      merge: { engine: init.spec.engine, partitions: init.partitions },
      state,
      counters,
      warn: (message) => send({ type: 'warn', message }),
    });
  const number = Number(name.slice(name.indexOf('-') + 1));
  return new TaskRuntime({
    name,
    ...factories,
    shipPanes: true,
    shipEarly: true,
    reports: init.partitions.filter((p) => p % init.tasks === number),
    state,
    counters,
    archive: init.archive,
    ingest: (ist) => ingest.push(ist),
    warn: (message) => send({ type: 'warn', message }),
  });
}

for (const name of init.units) units.set(name, runtime(name, null));

function send(m: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(m, transfer);
}

function wire(dls: DeadLetter[], batch: readonly InputRecord[] | null): WireDeadLetter[] {
  return dls.map((d) => ({
    index: d.record && batch ? batch.indexOf(d.record) : -1,
    event: d.event,
    reason: d.reason,
    bucket: d.bucket,
    kind: d.kind,
  }));
}

function collect(rt: TaskRuntime, batch: readonly InputRecord[] | null, now: number): TaskOutput {
  const { outputs, deadLetters, accepted } = rt.take();
  if (!merging) {
    const records = rt.takePanes();
    if (records.length) paneGroups.push({ now, records });
  }
  return {
    task: rt.name,
    outputs,
    accepted,
    deadLetters: wire(deadLetters, batch),
    watermark: rt.watermark(),
    horizon: rt.horizon(),
  };
}

function reply(
  id: number,
  results: TaskOutput[],
  extra: Partial<Extract<FromWorker, { type: 'done' }>> = {},
  transfer: ArrayBuffer[] = [],
) {
  // The panes go first: the merge thread's barrier counts them by the reply that follows.
  if (paneGroups.length) {
    toMerge!.postMessage({ groups: paneGroups } satisfies PaneMessage);
    paneGroups = [];
    panesSent++;
  }
  const ist = ingest.length ? Float64Array.from(ingest) : null;
  // Counts are per reply: copied out, then the runtimes' shared object starts from zero again.
  const c = { ...counters, deadLetterReasons: { ...counters.deadLetterReasons } };
  resetCounters(counters);
  ingest = [];
  send(
    {
      type: 'done',
      id,
      results,
      counters: c,
      ingest: ist,
      ...(toMerge ? { panesSent } : {}),
      ...(merging ? { merged: received.reduce((a, b) => a + b, 0) } : {}),
      ...extra,
    },
    ist ? [ist.buffer as ArrayBuffer, ...transfer] : transfer,
  );
}

/** Moves the chunk bodies into one new buffer (packed.ts), to be transferred rather than copied. */
function packBodies(units: EncodedUnit[]): ArrayBuffer {
  const chunks = units.flatMap((u) => u.$chunks.filter((c) => c[2] !== null));
  const packed = packBytes(chunks.map((c) => c[2]!));
  chunks.forEach((c, i) => (c[2] = partAt(packed, i)));
  return packed.bytes.buffer as ArrayBuffer;
}

/** The main thread's calls, run in order, each once the pane messages it expects have been taken. */
const calls: ToWorker[] = [];

function ready(m: ToWorker): boolean {
  const expect = 'expect' in m ? m.expect : undefined;
  return !expect || expect.every((n, i) => received[i] >= n);
}

function pump(): void {
  while (calls.length && ready(calls[0])) handle(calls.shift()!);
}

port.on('message', (m: ToWorker) => {
  calls.push(m);
  pump();
});

let flushQueued = false;
/** The merge step's outputs of pane messages go to the main thread once per turn of the event loop. */
function flushMerged(): void {
  flushQueued = false;
  reply(-1, [collect(units.get('merge')!, null, 0)]);
}

(init.panePorts ?? []).forEach((p, i) =>
  p.on('message', (m: PaneMessage) => {
    try {
      received[i]++;
      const rt = units.get('merge')!;
      for (const g of m.groups) rt.mergePanes(g.records, g.now);
      if (!flushQueued) {
        flushQueued = true;
        setImmediate(flushMerged);
      }
      pump();
    } catch (err) {
      const e = err as Error;
      send({ type: 'error', id: -1, message: e.message, stack: e.stack });
    }
  }),
);

function handle(m: ToWorker): void {
  try {
    switch (m.type) {
      case 'batch': {
        const results: TaskOutput[] = [];
        const ingestEnds: number[] = [];
        let at = 0;
        for (const part of m.parts) {
          const rt = units.get(part.task)!;
          const records: InputRecord[] = new Array(part.count);
          for (let i = 0; i < part.count; i++, at++)
            records[i] = {
              topic: part.topic,
              partition: part.partition,
              offset: m.offsets[at],
              key: m.keys[at],
              value: partAt(m.values, at),
            };
          rt.process(records, part.now);
          results.push(collect(rt, records, part.now));
          ingestEnds.push(ingest.length);
        }
        reply(m.id, results, { ingestEnds });
        return;
      }
      case 'tick':
        for (const rt of units.values()) rt.tick(m.now, m.unread);
        reply(
          m.id,
          [...units.values()].map((rt) => collect(rt, null, m.now)),
        );
        return;
      case 'drain':
        for (const rt of units.values()) rt.drain(m.now);
        reply(
          m.id,
          [...units.values()].map((rt) => collect(rt, null, m.now)),
        );
        return;
      case 'assign':
        if (merging) return reply(m.id, []);
        for (const [name, rt] of units) {
          const number = Number(name.slice(name.indexOf('-') + 1));
          rt.engine?.assign(
            m.partitions.filter((tp) => tp.partition % init.tasks === number),
            m.now,
          );
        }
        reply(m.id, []);
        return;
      case 'restore':
        for (const [name, state] of Object.entries(m.units)) units.set(name, runtime(name, state));
        reply(m.id, []);
        return;
      case 'ping':
        // The merge thread's outputs so far go with the barrier's reply.
        reply(m.id, merging ? [collect(units.get('merge')!, null, 0)] : []);
        return;
      case 'snapshot': {
        const states = Object.fromEntries(
          [...units].map(([name, rt]) => [name, encodeUnit(name, rt.snapshot(), m.known)]),
        );
        reply(m.id, [], { states }, [packBodies(Object.values(states))]);
        return;
      }
    }
  } catch (err) {
    const e = err as Error;
    send({ type: 'error', id: m.id, message: e.message, stack: e.stack });
  }
}

/**
 * A worker thread of `rtap process --threads N`: runs some of the pipeline's tasks (task-runtime.ts) on
 * batches the main thread hands it, and replies with what they produced. It holds no I/O: the main
 * thread consumes, delivers, commits and checkpoints.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { encodeUnit, type EncodedUnit, type StoredUnit } from '../../checkpoint/chunks.js';
import { packBytes, partAt } from '../../transport/packed.js';
import { newCounters, resetCounters } from '../counters.js';
import { TaskRuntime, type DeadLetter, type InputRecord, type TaskState } from '../task-runtime.js';
import { taskFactories } from '../task-spec.js';
import type { FromWorker, TaskOutput, ToWorker, WorkerInit, WireDeadLetter } from './protocol.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const counters = newCounters();
let ingest: number[] = [];
const factories = taskFactories(init.spec, 'task');
const units = new Map<string, TaskRuntime>();

function runtime(name: string, state: TaskState | StoredUnit | null): TaskRuntime {
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

function collect(rt: TaskRuntime, batch: readonly InputRecord[] | null): TaskOutput {
  const { outputs, deadLetters, accepted } = rt.take();
  return {
    task: rt.name,
    outputs,
    accepted,
    deadLetters: wire(deadLetters, batch),
    panes: rt.takePanes(),
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
  const ist = ingest.length ? Float64Array.from(ingest) : null;
  // Counts are per reply: copied out, then the runtimes' shared object starts from zero again.
  const c = { ...counters, deadLetterReasons: { ...counters.deadLetterReasons } };
  resetCounters(counters);
  ingest = [];
  send(
    { type: 'done', id, results, counters: c, ingest: ist, ...extra },
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

port.on('message', (m: ToWorker) => {
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
          results.push(collect(rt, records));
          ingestEnds.push(ingest.length);
        }
        reply(m.id, results, { ingestEnds });
        return;
      }
      case 'tick':
        for (const rt of units.values()) rt.tick(m.now, m.unread);
        reply(
          m.id,
          [...units.values()].map((rt) => collect(rt, null)),
        );
        return;
      case 'drain':
        for (const rt of units.values()) rt.drain(m.now);
        reply(
          m.id,
          [...units.values()].map((rt) => collect(rt, null)),
        );
        return;
      case 'assign':
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
        reply(m.id, []);
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
});

/**
 * The thread that runs a process's Kafka transactions (transactions-thread.ts): its own kafkajs client,
 * so a transaction's nine or so sequential round trips are not each queued behind a batch the
 * processing thread is busy with.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FencedError, RtapError } from '../../errors.js';
import type { OutgoingMessage } from '../types.js';
import { rootCause } from './errors.js';
import { createKafkaTransport } from './index.js';
import type {
  FromTransactions,
  ToTransactions,
  TransactionsInit,
  WireError,
} from './transactions-protocol.js';
import type { KafkaTransactions } from './transactions.js';

const port = parentPort!;
const post = (m: FromTransactions) => port.postMessage(m);
const init = workerData as TransactionsInit;
const transport = createKafkaTransport({ ...init.options, log: (line) => post({ log: line }) });
const open = new Map<number, KafkaTransactions>();
const closed = new Set<number>();

function transactions(handle: number, id: string): KafkaTransactions {
  let t = open.get(handle);
  if (!t) {
    t = transport.localTransactions(id);
    t.onRetry = (attempt, reason) => post({ retry: handle, attempt, reason });
    open.set(handle, t);
  }
  return t;
}

/** Buffers arrive as Uint8Arrays: kafkajs wants Buffers. */
function messagesOf(raw: Map<string, OutgoingMessage[]>): Map<string, OutgoingMessage[]> {
  for (const list of raw.values())
    for (const m of list) m.value = Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength);
  return raw;
}

function wire(err: unknown): WireError {
  const e = err as RtapError;
  const root = rootCause(err);
  return {
    message: e?.message ?? String(err),
    exitCode: e instanceof RtapError ? e.exitCode : undefined,
    hint: e instanceof RtapError ? e.hint : undefined,
    fenced: err instanceof FencedError,
    cause:
      root && root !== err
        ? {
            name: root.name,
            message: root.message,
            type: root.type,
            retriable: root.retriable,
            code: root.code,
          }
        : undefined,
  };
}

port.on('message', (m: ToTransactions) => {
  const run = async (): Promise<unknown> => {
    // A call that reaches a closed object (a task that moved while its checkpoint was in flight) must
    // not open a new producer: its InitProducerId would fence the task's new owner.
    if (closed.has(m.handle)) {
      if (m.method === 'close') return;
      throw new FencedError(m.transactionalId);
    }
    const t = transactions(m.handle, m.transactionalId);
    switch (m.method) {
      case 'init':
        return t.init();
      case 'committedOffsets':
        return t.committedOffsets(m.args[0] as string, m.args[1] as string[]);
      case 'resume':
        return t.resume(m.args[0] as string, m.args[1] as string[]);
      case 'commit': {
        const [messages, groupId, offsets, budgetMs] = m.args as Parameters<KafkaTransactions['commit']>;
        return t.commit(messagesOf(messages), groupId, offsets, budgetMs);
      }
      case 'close':
        open.delete(m.handle);
        closed.add(m.handle);
        return t.close();
    }
  };
  run().then(
    (value) => post({ id: m.id, value }),
    (err: unknown) => post({ id: m.id, error: wire(err) }),
  );
});

import { Worker } from 'node:worker_threads';
import { FencedError, RtapError, type ExitCode } from '../../errors.js';
import { workerEntry } from '../../worker-entry.js';
import type { OutgoingMessage } from '../types.js';
import type { KafkaTransportOptions } from './options.js';
import type {
  FromTransactions,
  ToTransactions,
  TransactionsInit,
  TransactionsMethod,
  WireError,
} from './transactions-protocol.js';
import type { PartitionOffsets, Transactions } from './transactions.js';

/**
 * A process's Kafka transactions, run on a thread of their own (transactions-worker.ts). On the
 * processing thread, each of a checkpoint transaction's sequential round trips (FindCoordinator three
 * times, AddPartitionsToTxn, Produce, AddOffsetsToTxn, TxnOffsetCommit, EndTxn) waited for the batch
 * being processed: its event loop stalled for 0.3-1.8 s at a time at 10k events/s, and a transaction
 * of one record took 0.9-1.5 s (bench/checkpoint-size.ts, docs/fault-tolerance.md).
 */
export class TransactionsThread {
  private worker: Worker | null = null;
  private nextId = 0;
  private nextHandle = 0;
  private readonly pending = new Map<
    number,
    { transactionalId: string; resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  private readonly retryListeners = new Map<number, (attempt: number, reason: string) => void>();

  constructor(
    private readonly options: KafkaTransportOptions,
    private readonly log: (line: string) => void,
  ) {}

  transactions(transactionalId: string): Transactions {
    return new RemoteTransactions(transactionalId, this.nextHandle++, this);
  }

  call(
    handle: number,
    transactionalId: string,
    method: TransactionsMethod,
    args: unknown[],
  ): Promise<unknown> {
    const w = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { transactionalId, resolve, reject });
      // Work in flight keeps the process alive; an idle thread does not.
      w.ref();
      const m: ToTransactions = { id, handle, transactionalId, method, args };
      w.postMessage(m);
    }).finally(() => {
      if (this.pending.size === 0) this.worker?.unref();
    });
  }

  onRetry(handle: number, listener: ((attempt: number, reason: string) => void) | undefined) {
    if (listener) this.retryListeners.set(handle, listener);
    else this.retryListeners.delete(handle);
  }

  /** Stops the thread once every transactions object on it has closed (the transport's close). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    await w?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const entry = workerEntry(new URL('./transactions-worker.js', import.meta.url));
    const { log: _log, ...options } = this.options;
    const init: TransactionsInit = { options };
    const w = new Worker(entry.url, { workerData: entry.workerData(init) });
    w.on('message', (m: FromTransactions) => {
      if ('log' in m) return this.log(m.log);
      if ('retry' in m) return this.retryListeners.get(m.retry)?.(m.attempt, m.reason);
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if ('error' in m) p.reject(rebuild(m.error, p.transactionalId));
      else p.resolve(m.value);
    });
    const failAll = (err: Error) => {
      if (this.worker === w) this.worker = null;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(new RtapError(`kafka transactions thread: ${err.message}`));
      }
    };
    w.on('error', failAll);
    w.on('exit', (code) => failAll(new Error(`exited with code ${code}`)));
    w.unref();
    return (this.worker = w);
  }
}

function rebuild(e: WireError, transactionalId: string): Error {
  if (e.fenced) return new FencedError(transactionalId);
  const err = new RtapError(e.message, (e.exitCode as ExitCode | undefined) ?? undefined, e.hint);
  if (e.cause) Object.assign(err, { cause: Object.assign(new Error(e.cause.message), e.cause) });
  return err;
}

class RemoteTransactions implements Transactions {
  private retry: ((attempt: number, reason: string) => void) | undefined;

  constructor(
    readonly transactionalId: string,
    private readonly handle: number,
    private readonly thread: TransactionsThread,
  ) {}

  get onRetry(): ((attempt: number, reason: string) => void) | undefined {
    return this.retry;
  }

  set onRetry(listener: ((attempt: number, reason: string) => void) | undefined) {
    this.retry = listener;
    this.thread.onRetry(this.handle, listener);
  }

  async init(): Promise<void> {
    await this.call('init', []);
  }

  async committedOffsets(groupId: string, topics: string[]): Promise<PartitionOffsets> {
    return (await this.call('committedOffsets', [groupId, topics])) as PartitionOffsets;
  }

  async resume(groupId: string, topics: string[]): Promise<PartitionOffsets> {
    return (await this.call('resume', [groupId, topics])) as PartitionOffsets;
  }

  async commit(
    messages: Map<string, OutgoingMessage[]>,
    groupId: string,
    offsets: PartitionOffsets,
    budgetMs?: number,
  ): Promise<void> {
    await this.call('commit', [messages, groupId, offsets, budgetMs]);
  }

  async close(): Promise<void> {
    this.thread.onRetry(this.handle, undefined);
    await this.call('close', []);
  }

  private call(method: TransactionsMethod, args: unknown[]): Promise<unknown> {
    return this.thread.call(this.handle, this.transactionalId, method, args);
  }
}

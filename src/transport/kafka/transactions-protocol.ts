import type { KafkaTransportOptions } from './options.js';

/** The transactions thread's messages (transactions-thread.ts ⇄ transactions-worker.ts). */
export type TransactionsMethod = 'init' | 'committedOffsets' | 'resume' | 'commit' | 'close';

export interface TransactionsInit {
  /** The transport's options without its log function: log lines come back as messages. */
  options: Omit<KafkaTransportOptions, 'log'>;
}

export type ToTransactions = {
  id: number;
  /**
   * One transactions object of the caller's: a closed one stays closed (a call after close() is refused,
   * as KafkaTransactions refuses it), and one opened later for the same transactional id is a new one.
   */
  handle: number;
  transactionalId: string;
  method: TransactionsMethod;
  args: unknown[];
};

/** An error as it crosses the thread boundary: enough to rebuild what callers test for. */
export interface WireError {
  message: string;
  exitCode?: number;
  hint?: string;
  fenced: boolean;
  /** The kafkajs error at its root: callers tell fatal and fencing errors by its name and type. */
  cause?: { name: string; message: string; type?: string; retriable?: boolean; code?: string };
}

export type FromTransactions =
  | { id: number; value: unknown }
  | { id: number; error: WireError }
  | { retry: number; attempt: number; reason: string }
  | { log: string };

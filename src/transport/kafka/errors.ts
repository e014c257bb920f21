import { RtapError } from '../../errors.js';

interface KafkaJsErrorLike extends Error {
  type?: string;
  retriable?: boolean;
  cause?: unknown;
  originalError?: unknown;
}

/** The innermost error of a kafkajs wrapper chain (NumberOfRetriesExceeded wraps the real cause). */
export function rootCause(err: unknown): KafkaJsErrorLike {
  let e = err as KafkaJsErrorLike;
  for (let i = 0; i < 10; i++) {
    const next = (e?.cause ?? e?.originalError) as KafkaJsErrorLike | undefined;
    if (!next || next === e) break;
    e = next;
  }
  return e;
}

/** Errors a retry cannot fix: they fail at once instead of waiting out the delivery timeout. */
const FATAL_TYPES = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'INVALID_REQUIRED_ACKS',
  'UNSUPPORTED_VERSION',
  'UNSUPPORTED_COMPRESSION_TYPE',
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'INVALID_PRODUCER_EPOCH',
  'SASL_AUTHENTICATION_FAILED',
]);

/**
 * A broker error kafkajs marks non-retriable (UNKNOWN_SERVER_ERROR for a batch the broker cannot read,
 * authorization, ...) or one of the known hopeless types. Connection errors are retriable: a broker that
 * is restarting comes back.
 */
export function isFatal(err: unknown): boolean {
  const e = rootCause(err);
  if (e?.name === 'KafkaJSSASLAuthenticationError') return true;
  if (e?.type && FATAL_TYPES.has(e.type)) return true;
  return e?.name === 'KafkaJSProtocolError' && e.retriable === false;
}

export function describeKafkaError(err: unknown): string {
  const e = rootCause(err);
  const outer = err as Error;
  const msg = e?.message ?? String(err);
  return outer && outer !== e && outer.message && !outer.message.includes(msg)
    ? `${outer.message}: ${msg}`
    : msg;
}

/** Runs `work` but gives up after `ms` with an RtapError built by `onTimeout` (the work is left to fail on its own). */
export async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => RtapError): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function unreachable(brokers: string[], ms: number, last?: unknown): RtapError {
  const cause = last ? ` (last error: ${describeKafkaError(last)})` : '';
  return new RtapError(
    `cannot reach Kafka at ${brokers.join(',')} within ${Math.round(ms / 100) / 10}s${cause}`,
    undefined,
    'is the broker running? `rtap stack up` starts a local one; check --brokers and any TLS/SASL settings',
  );
}

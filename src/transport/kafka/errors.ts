import { RtapError } from '../../errors.js';

interface KafkaJsErrorLike extends Error {
  type?: string;
  /** Node's socket or TLS error code, which kafkajs keeps on its connection errors. */
  code?: string;
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

/**
 * Broker answers to an offset commit from a member the group no longer counts (kafkajs's own isRebalancing
 * plus UNKNOWN_MEMBER_ID: what a member removed for missing its session timeout hears).
 */
const GROUP_MOVED = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'NOT_COORDINATOR_FOR_GROUP',
  'NOT_COORDINATOR',
]);

export function isGroupMoved(err: unknown): boolean {
  const t = rootCause(err)?.type;
  return t !== undefined && GROUP_MOVED.has(t);
}

/** Errors a retry cannot fix: they fail at once instead of waiting out the delivery timeout. */
export const FATAL_TYPES = new Set([
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

/** The broker's certificate did not verify against the CA the client trusts. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * A connection failure that no retry fixes and that says what to change: the broker refused the SASL
 * login, its certificate is not trusted, it refused the client's certificate, or the listener does not
 * speak TLS. Null for anything else (a broker that is down may come back).
 */
export function securityFailure(brokers: string[], err: unknown): RtapError | null {
  const e = rootCause(err);
  const at = `Kafka at ${brokers.join(',')}`;
  const msg = e?.message ?? String(err);
  if (e?.name === 'KafkaJSSASLAuthenticationError')
    return new RtapError(
      `${at} refused the SASL login: ${msg}`,
      undefined,
      'check --sasl-mechanism, --sasl-username and the password (--sasl-password or RTAP_SASL_PASSWORD)',
    );
  const code = e?.code ?? '';
  if (UNTRUSTED.has(code))
    return new RtapError(
      `the TLS certificate of ${at} is not trusted (${code}): ${msg}`,
      undefined,
      "give --ssl-ca the PEM file of the CA that signed the brokers' certificates",
    );
  // A plaintext listener either answers the ClientHello with bytes that are no TLS record, or closes.
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /before secure TLS connection was established/.test(msg))
    return new RtapError(
      `${at} does not answer TLS (${code || msg}): it is probably a plaintext or SASL_PLAINTEXT listener`,
      undefined,
      "drop --ssl, or use the brokers' TLS port",
    );
  if (/^ERR_SSL_.*ALERT/.test(code))
    return new RtapError(
      `${at} refused the TLS handshake (${code}): ${msg.split('\n')[0]}`,
      undefined,
      'the broker requires a client certificate it trusts: check --ssl-cert and --ssl-key',
    );
  return null;
}

export function unreachable(brokers: string[], ms: number, last?: unknown): RtapError {
  const cause = last ? ` (last error: ${describeKafkaError(last)})` : '';
  return new RtapError(
    `cannot reach Kafka at ${brokers.join(',')} within ${Math.round(ms / 100) / 10}s${cause}`,
    undefined,
    'is the broker running? `rtap stack up` starts a local one; check --brokers and any TLS/SASL settings',
  );
}

import { encodeAvro } from '../events/codec.js';
import type { AnalyticsEvent } from '../events/types.js';
import type { Rng } from './random.js';

/**
 * Malformed records, each built to be rejected for one known reason. `reason` is a fragment of the message
 * the decoder (src/events/codec.ts, validate.ts) gives, so tests and the dead-letter path can check that a
 * record was rejected for the reason it was corrupted for.
 */
export const MALFORMED_KINDS = [
  'bad_json',
  'missing_field',
  'wrong_type',
  'unknown_event_type',
  'avro_truncated',
  'avro_trailing_bytes',
  'avro_unknown_schema',
  'truncated_header',
  'empty',
] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

export interface Malformed {
  kind: MalformedKind;
  reason: string;
  value: Buffer;
}

const UNKNOWN_TYPES = ['click', 'pageview', 'PageView', 'heartbeat'];

export function malform(rng: Rng, event: AnalyticsEvent): Malformed {
  const kind = rng.pick(MALFORMED_KINDS);
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  switch (kind) {
    case 'bad_json': {
      // Any strict prefix of a JSON object lacks its closing brace, so it never parses.
      const text = JSON.stringify(event);
      return {
        kind,
        reason: 'not valid JSON',
        value: Buffer.from(text.slice(0, rng.range(1, text.length - 1))),
      };
    }
    case 'missing_field': {
      const fields = Object.keys(event).filter((k) => k !== 'event_type');
      const field = rng.pick(fields);
      const copy: Record<string, unknown> = { ...event };
      delete copy[field];
      return { kind, reason: `${field}: missing`, value: json(copy) };
    }
    case 'wrong_type': {
      const variant = rng.int(3);
      if (variant === 0) {
        return {
          kind,
          reason: 'event_time: expected epoch milliseconds',
          value: json({ ...event, event_time: new Date(event.event_time).toISOString() }),
        };
      }
      if (variant === 1)
        return {
          kind,
          reason: 'user_id: expected a non-empty string',
          value: json({ ...event, user_id: Number(event.user_id.replace(/\D/g, '') || 0) }),
        };
      return {
        kind,
        reason: 'device: expected one of desktop, mobile, tablet',
        value: json({ ...event, device: 'smartwatch' }),
      };
    }
    case 'unknown_event_type': {
      const type = rng.pick(UNKNOWN_TYPES);
      return {
        kind,
        reason: `event_type: unknown event type ${JSON.stringify(type)}`,
        value: json({ ...event, event_type: type }),
      };
    }
    case 'avro_truncated': {
      const full = encodeAvro(event);
      // Keep the 5-byte header and at least one body byte; drop at least one byte.
      return { kind, reason: 'truncated avro body', value: full.subarray(0, rng.range(6, full.length - 1)) };
    }
    case 'avro_trailing_bytes': {
      const extra = rng.range(1, 8);
      const tail = Buffer.alloc(extra);
      for (let i = 0; i < extra; i++) tail[i] = rng.int(256);
      return {
        kind,
        reason: `${extra} trailing bytes after the avro body`,
        value: Buffer.concat([encodeAvro(event), tail]),
      };
    }
    case 'avro_unknown_schema': {
      const value = Buffer.from(encodeAvro(event));
      const id = 1000 + rng.int(9000);
      value.writeUInt32BE(id, 1);
      return { kind, reason: `unknown schema id ${id}`, value };
    }
    case 'truncated_header': {
      const n = rng.range(1, 4);
      return { kind, reason: `truncated: ${n} bytes, header needs 5`, value: Buffer.alloc(n) };
    }
    case 'empty':
      return { kind, reason: 'empty message', value: Buffer.alloc(0) };
  }
}

/** How far back a late event's event time is, in [1, maxMs]. */
export function lateDelay(rng: Rng, maxMs: number, distribution: 'uniform' | 'exponential'): number {
  if (distribution === 'uniform') return rng.range(1, Math.max(1, Math.floor(maxMs)));
  // Most late events are a little late, a few are very late; mean maxMs / 4, capped at maxMs.
  return Math.min(Math.floor(maxMs), 1 + Math.floor(rng.exponential(maxMs / 4)));
}

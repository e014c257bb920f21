import { readFileSync } from 'node:fs';
import avro from 'avsc';
import type { AnalyticsEvent, EventType } from './types.js';
import { compileAvroReader, type AvroReader } from './avro-reader.js';
import { InvalidEventError, validateEvent } from './validate.js';
import { fixturePath } from '../paths.js';

export type Encoding = 'avro' | 'json';

/** Confluent wire format: magic byte 0, 4-byte big-endian schema id, then the Avro binary body. */
const MAGIC = 0;
const HEADER_BYTES = 5;

interface SchemaEntry {
  id: number;
  event_type: EventType;
  type: avro.Type;
  /** The fast path for well-formed messages, when the schema allows one (see avro-reader.ts). */
  read: AvroReader | null;
}

/** Fields whose values are new in nearly every event: not worth interning (see compileAvroReader). */
const UNIQUE_FIELDS = ['event_id', 'session_id', 'order_id', 'card_id'];

let registry: { byId: Map<number, SchemaEntry>; byEventType: Map<EventType, SchemaEntry> } | undefined;

function schemas() {
  if (registry) return registry;
  const index = JSON.parse(readFileSync(fixturePath('schemas', 'registry.json'), 'utf8')) as {
    schemas: { id: number; event_type: EventType; file: string }[];
  };
  const byId = new Map<number, SchemaEntry>();
  const byEventType = new Map<EventType, SchemaEntry>();
  for (const s of index.schemas) {
    const schema = JSON.parse(readFileSync(fixturePath('schemas', s.file), 'utf8'));
    const entry = {
      id: s.id,
      event_type: s.event_type,
      type: plainRecordType(schema),
      read: compileAvroReader(schema, UNIQUE_FIELDS),
    };
    byId.set(s.id, entry);
    byEventType.set(s.event_type, entry);
  }
  registry = { byId, byEventType };
  return registry;
}

/**
 * An avsc type whose decoded records are plain objects, so decodeAvro returns them without a copy (this runs
 * for every event). `omitRecordMethods` leaves a bare constructor that assigns the fields in schema order;
 * giving it Object.prototype makes its instances indistinguishable from object literals (JSON output,
 * structural equality, util.inspect). Every event schema is one flat record (no nested records).
 */
function plainRecordType(schema: avro.Schema): avro.Type {
  const type = avro.Type.forSchema(schema, { omitRecordMethods: true });
  (type as avro.types.RecordType).recordConstructor.prototype = Object.prototype;
  return type;
}

export function schemaIdOf(type: EventType): number {
  return schemas().byEventType.get(type)!.id;
}

/**
 * Messages are encoded back to back into a shared slab and returned as views of it: one allocation per
 * slab instead of two buffers and a copy per event (the generator encodes every event it sends). A slab
 * stays alive while any of its messages does.
 */
const SLAB_BYTES = 256 * 1024;
let slab = Buffer.allocUnsafe(SLAB_BYTES);
let slabUsed = 0;

export function encodeAvro(event: AnalyticsEvent): Buffer {
  const entry = schemas().byEventType.get(event.event_type);
  if (!entry) throw new InvalidEventError(`no schema for event type ${event.event_type}`, 'event_type');
  for (;;) {
    const start = slabUsed;
    // avsc returns the end position, or (not enough room) minus the bytes that were missing.
    const r = slab.length - start > HEADER_BYTES ? entry.type.encode(event, slab, start + HEADER_BYTES) : 0;
    if (r > 0) {
      slab[start] = MAGIC;
      slab.writeUInt32BE(entry.id, start + 1);
      slabUsed = r;
      return slab.subarray(start, r);
    }
    const needed = slab.length - r - start;
    slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, 2 * needed));
    slabUsed = 0;
  }
}

export function decodeAvro(buf: Buffer): AnalyticsEvent {
  if (buf.length < HEADER_BYTES)
    throw new InvalidEventError(`truncated: ${buf.length} bytes, header needs 5`, undefined, 'truncated');
  if (buf[0] !== MAGIC)
    throw new InvalidEventError(
      `bad magic byte ${buf[0]}, expected 0 (Confluent wire format)`,
      undefined,
      'bad_magic',
    );
  const id = buf.readUInt32BE(1);
  const entry = schemas().byId.get(id);
  if (!entry) throw new InvalidEventError(`unknown schema id ${id}`, undefined, 'unknown_schema');
  const event = validateEvent(entry.read?.(buf, HEADER_BYTES) ?? decodeAvroBody(entry, buf));
  if (event.event_type !== entry.event_type) {
    throw new InvalidEventError(
      `event_type ${event.event_type} under schema id ${id} (${entry.event_type})`,
      'event_type',
      'schema_mismatch',
    );
  }
  return event;
}

/** The body decoded by avsc, which explains why a message is malformed. */
function decodeAvroBody(entry: SchemaEntry, buf: Buffer): unknown {
  let decoded: { value: unknown; offset: number };
  try {
    decoded = entry.type.decode(buf, HEADER_BYTES);
  } catch (err) {
    throw new InvalidEventError(
      `avro body does not match schema ${entry.id}: ${(err as Error).message}`,
      undefined,
      'schema_mismatch',
    );
  }
  if (decoded.offset < 0)
    throw new InvalidEventError(`truncated avro body for schema ${entry.id}`, undefined, 'truncated');
  if (decoded.offset !== buf.length) {
    throw new InvalidEventError(
      `${buf.length - decoded.offset} trailing bytes after the avro body`,
      undefined,
      'trailing_bytes',
    );
  }
  return decoded.value;
}

export function encodeJson(event: AnalyticsEvent): Buffer {
  return Buffer.from(JSON.stringify(event));
}

export function decodeJson(buf: Buffer | string): AnalyticsEvent {
  let value: unknown;
  try {
    value = JSON.parse(typeof buf === 'string' ? buf : buf.toString('utf8'));
  } catch (err) {
    throw new InvalidEventError(`not valid JSON: ${(err as Error).message}`, undefined, 'invalid_json');
  }
  return validateEvent(value);
}

export function encodeEvent(event: AnalyticsEvent, encoding: Encoding): Buffer {
  return encoding === 'avro' ? encodeAvro(event) : encodeJson(event);
}

/** Decodes either encoding: the Confluent magic byte 0 never starts a JSON document. */
export function decodeEvent(buf: Buffer): AnalyticsEvent {
  if (buf.length === 0) throw new InvalidEventError('empty message', undefined, 'empty');
  return buf[0] === MAGIC ? decodeAvro(buf) : decodeJson(buf);
}

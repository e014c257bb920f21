import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { compileAvroReader } from '../../src/events/avro-reader.js';
import {
  decodeAvro,
  decodeEvent,
  decodeJson,
  encodeAvro,
  encodeJson,
  schemaIdOf,
} from '../../src/events/codec.js';
import type { AnalyticsEvent, EventOf } from '../../src/events/types.js';
import { InvalidEventError } from '../../src/events/validate.js';
import { fixturePath } from '../../src/paths.js';
import { defaultSimulatorConfig } from '../../src/simulator/config.js';
import { createGenerator } from '../../src/simulator/generator.js';
import { mulberry32 } from '../helpers/random.js';

const base = {
  user_id: 'u1',
  session_id: 's1',
  event_time: 1_700_000_000_000,
  intended_send_time: 1_700_000_000_050,
  user_type: 'premium',
  country: 'DE',
  device: 'mobile',
} as const;

const samples: AnalyticsEvent[] = [
  {
    ...base,
    event_id: 'e1',
    event_type: 'page_view',
    page_url: '/home',
    page_title: 'Home',
    content_category: 'landing',
    referrer: null,
    page_depth: 1,
    time_on_previous_page_ms: 0,
  },
  {
    ...base,
    event_id: 'e2',
    event_type: 'session',
    action: 'timeout',
    page_count: 1,
    duration_ms: 4000,
    idle_time_ms: 360_000,
    landing_page: '/home',
  },
  {
    ...base,
    event_id: 'e3',
    event_type: 'conversion',
    conversion_type: 'purchase',
    product_id: 'p42',
    product_category: 'electronics',
    revenue: 149.99,
    currency: 'EUR',
    order_id: 'o1',
    card_id: 'c9',
  },
  {
    ...base,
    event_id: 'e4',
    event_type: 'custom',
    name: 'video_play',
    properties: { video: 'intro', position: '12' },
  },
  { ...base, session_id: null, event_id: 'e5', event_type: 'user_event', action: 'LOGIN' },
  {
    ...base,
    event_id: 'e6',
    event_type: 'product_view',
    product_id: 'p42',
    product_category: 'electronics',
    price: 149.99,
    currency: 'EUR',
  },
  {
    ...base,
    event_id: 'e7',
    event_type: 'order',
    order_id: 'o1',
    product_id: 'p42',
    product_category: 'electronics',
    price: 149.99,
    quantity: 1,
    currency: 'EUR',
    card_id: 'c9',
  },
];

test('every event type round-trips through Avro in the Confluent wire format and through JSON', () => {
  for (const e of samples) {
    const bytes = encodeAvro(e);
    assert.equal(bytes[0], 0, 'magic byte');
    assert.equal(bytes.readUInt32BE(1), schemaIdOf(e.event_type), 'schema id');
    assert.deepEqual(decodeAvro(bytes), e);
    assert.deepEqual(decodeEvent(bytes), e);
    assert.deepEqual(decodeJson(encodeJson(e)), e);
    assert.deepEqual(decodeEvent(encodeJson(e)), e);
  }
});

function rejects(input: Buffer | string, pattern: RegExp) {
  assert.throws(
    () => (typeof input === 'string' ? decodeJson(input) : decodeEvent(input)),
    (err: Error) => err instanceof InvalidEventError && pattern.test(err.message),
  );
}

test('malformed input is rejected with a reason that names the problem', () => {
  const good = encodeAvro(samples[0]);
  rejects(Buffer.from([0, 0, 0]), /truncated: 3 bytes/);
  rejects(Buffer.concat([Buffer.from([0, 0, 0, 0, 99]), good.subarray(5)]), /unknown schema id 99/);
  rejects(good.subarray(0, good.length - 3), /truncated|does not match/);
  rejects(Buffer.concat([good, Buffer.from([1, 2])]), /2 trailing bytes/);
  rejects('{"event_type": "page_view"', /not valid JSON/);
  rejects(
    JSON.stringify({ ...samples[0], event_type: 'teleport' }),
    /event_type: unknown event type "teleport"/,
  );
  const { user_id: _omit, ...noUser } = samples[0];
  rejects(JSON.stringify(noUser), /user_id: missing/);
  rejects(JSON.stringify({ ...samples[6], price: -1 }), /price: expected a finite amount >= 0/);
  rejects(JSON.stringify({ ...samples[5], currency: 'euro' }), /currency: expected an ISO 4217 code/);
  rejects(JSON.stringify({ ...samples[2], revenue: null }), /a purchase needs revenue and currency/);
  rejects(Buffer.alloc(0), /empty message/);
});

test('the generated Avro reader reads exactly what avsc reads, and leaves every message avsc rejects to it', () => {
  const random = mulberry32(4);
  const gen = createGenerator({ ...defaultSimulatorConfig(), seed: 3, encoding: 'avro' });
  const valid = samples.map(encodeAvro);
  for (let i = 0; i < 3000; i++) {
    const rec = gen.next(defaultSimulatorConfig().startTime + i * 10);
    if (rec.event) valid.push(rec.value);
  }
  // Non-ASCII strings and longs past 28 bits take the reader's less common paths.
  valid.push(
    encodeAvro({
      ...(samples[0] as EventOf<'page_view'>),
      page_title: 'Ünïcödé ✓',
      page_url: '/ç',
      time_on_previous_page_ms: 2 ** 40 + 3,
    }),
  );
  let fast = 0;
  for (const good of valid) {
    const schema = schemaOf(good.readUInt32BE(1));
    const read = compileAvroReader(schema as Parameters<typeof compileAvroReader>[0], ['event_id']);
    // Only custom events (a map of properties) have no reader: they always decode with avsc.
    if (read === null) {
      assert.equal((schema as { name: string }).name, 'CustomEvent');
      continue;
    }
    const type = avro.Type.forSchema(schema);
    // The message itself, then copies with one byte changed, cut short, or with a byte appended.
    const variants = [
      good,
      good.subarray(0, Math.floor(random() * good.length)),
      Buffer.concat([good, Buffer.from([0])]),
    ];
    for (let j = 0; j < 10; j++) {
      const bad = Buffer.from(good);
      bad[5 + Math.floor(random() * (bad.length - 5))] = Math.floor(random() * 256);
      variants.push(bad);
    }
    for (const buf of variants) {
      const mine = read(buf, 5);
      if (mine === undefined) continue;
      fast++;
      let theirs: { value: unknown; offset: number };
      try {
        theirs = type.decode(buf, 5);
      } catch (err) {
        assert.fail(`reader accepted what avsc rejects (${(err as Error).message}): ${buf.toString('hex')}`);
      }
      assert.equal(theirs.offset, buf.length, buf.toString('hex'));
      assert.deepEqual(Object.keys(mine), Object.keys(theirs.value as object));
      assert.deepEqual(mine, { ...(theirs.value as object) });
    }
  }
  assert.ok(fast > valid.length, `the reader took ${fast} messages`);
});

function schemaOf(id: number): avro.Schema {
  const index = JSON.parse(readFileSync(fixturePath('schemas', 'registry.json'), 'utf8')) as {
    schemas: { id: number; file: string }[];
  };
  return JSON.parse(
    readFileSync(fixturePath('schemas', index.schemas.find((s) => s.id === id)!.file), 'utf8'),
  );
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createKafkaTransport } from '../../../src/transport/kafka/index.js';
import { openTransport } from '../../../src/transport/open.js';

/** A port nobody listens on: bind it, note it, release it. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

test('an unreachable broker fails send() with a clear message within the connect bound', async () => {
  const port = await deadPort();
  const t = createKafkaTransport({
    brokers: [`127.0.0.1:${port}`],
    connectTimeoutMs: 2000,
    connectionTimeoutMs: 500,
  });
  const started = Date.now();
  try {
    // The message gives the time spent: the 2 s bound, or less when kafkajs ran out of retries before it.
    const err = await t
      .producer()
      .send('any', [{ key: 'k', value: Buffer.from('x') }])
      .then(
        () => assert.fail('send() to an unreachable broker succeeded'),
        (e: Error) => e,
      );
    const m = new RegExp(`cannot reach Kafka at 127\\.0\\.0\\.1:${port} within (\\d+(?:\\.\\d)?)s`).exec(
      err.message,
    );
    assert.ok(m, err.message);
    assert.ok(Number(m[1]) > 0 && Number(m[1]) <= 2, err.message);
    // Bounded: the connect deadline plus slack for disconnecting, far below kafkajs's own retry budget.
    assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
  } finally {
    await t.close();
  }
});

test('the admin seam reports an unreachable broker the same way', async () => {
  const port = await deadPort();
  const t = createKafkaTransport({
    brokers: [`127.0.0.1:${port}`],
    connectTimeoutMs: 1500,
    connectionTimeoutMs: 500,
  });
  try {
    await assert.rejects(t.admin().listTopics(), /cannot reach Kafka/);
  } finally {
    await t.close();
  }
});

test('bad options are rejected with the offending field', () => {
  assert.throws(() => createKafkaTransport({ brokers: [] }), /brokers must list at least one/);
  assert.throws(() => createKafkaTransport({ brokers: ['nohost'] }), /broker 'nohost' is not host:port/);
  assert.throws(
    () => createKafkaTransport({ brokers: ['a:1'], producer: { compression: 'zstd' as never } }),
    /compression must be one of none, gzip, snappy, lz4/,
  );
  assert.throws(
    () => createKafkaTransport({ brokers: ['a:1'], producer: { batchMaxMessages: 0 } }),
    /producer\.batchMaxMessages/,
  );
  assert.throws(
    () => createKafkaTransport({ brokers: ['a:1'], ssl: { caFile: '/no/such/ca.pem' } }),
    /cannot read ssl\.caFile file \/no\/such\/ca\.pem/,
  );
});

test('openTransport gives Kafka for brokers and the embedded log otherwise', async () => {
  const k = await openTransport({ brokers: ['127.0.0.1:9'] });
  assert.equal(k.kind, 'kafka');
  assert.equal(k.description, 'kafka 127.0.0.1:9');
  await k.close();
  const e = await openTransport({});
  assert.equal(e.kind, 'embedded');
  await e.close();
});

test('a broker that is down is not taken for a refused login or certificate: it may come back', async () => {
  const { default: kafkajs } = await import('kafkajs');
  const { securityFailure } = await import('../../../src/transport/kafka/errors.js');
  const down = new kafkajs.KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9', {
    code: 'ECONNREFUSED',
  });
  assert.equal(
    securityFailure(
      ['127.0.0.1:9'],
      new kafkajs.KafkaJSNumberOfRetriesExceeded(down, { retryCount: 5, retryTime: 2000 }),
    ),
    null,
  );
  const untrusted = new kafkajs.KafkaJSConnectionError('Connection error: self-signed certificate', {
    code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
  });
  assert.match(
    securityFailure(
      ['h:1'],
      new kafkajs.KafkaJSNumberOfRetriesExceeded(untrusted, { retryCount: 5, retryTime: 2000 }),
    )?.message ?? '',
    /TLS certificate of Kafka at h:1 is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\)/,
  );
});

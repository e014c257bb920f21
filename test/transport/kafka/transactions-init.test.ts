/**
 * A cluster that has just started answers InitProducerId with COORDINATOR_LOAD_IN_PROGRESS until its
 * transaction log is loaded, for longer than kafkajs's own retries last (a fresh three-node cluster in
 * CI). Reproducing that on a real broker depends on timing; the retry policy around it is tested here
 * on a producer that fails the way kafkajs does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs, { type Kafka } from 'kafkajs';
import { KafkaTransactions } from '../../../src/transport/kafka/transactions.js';
import { RtapError } from '../../../src/errors.js';

const { KafkaJSProtocolError } = kafkajs as unknown as {
  KafkaJSProtocolError: new (e: { message: string; type: string; code: number; retriable: boolean }) => Error;
};

function loading(): Error {
  return new KafkaJSProtocolError({
    message: "The coordinator is loading and hence can't process requests for this group",
    type: 'COORDINATOR_LOAD_IN_PROGRESS',
    code: 14,
    retriable: true,
  });
}

function failing(times: number, error: () => Error): { kafka: Kafka; calls: () => number } {
  let calls = 0;
  const producer = {
    events: { REQUEST: 'request', REQUEST_TIMEOUT: 'timeout' },
    on: () => () => {},
    connect: async () => {},
    disconnect: async () => {},
    transaction: async () => {
      calls++;
      if (calls <= times) throw error();
      return { abort: async () => {} };
    },
  };
  return { kafka: { producer: () => producer } as unknown as Kafka, calls: () => calls };
}

const noAdmin = () => Promise.reject(new Error('not used'));
const counts = { get: async () => 1 } as never;

test('init retries a coordinator that is still loading until it answers', async () => {
  const f = failing(3, loading);
  const tx = new KafkaTransactions(f.kafka, 'rtap-test', noAdmin, (p) => p.connect(), counts);
  await tx.init();
  assert.equal(f.calls(), 4);
});

test('init gives up at once on a fatal error, as an RtapError that keeps the kafkajs error as its cause', async () => {
  const denied = () =>
    new KafkaJSProtocolError({
      message: 'Transactional Id authorization failed',
      type: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
      code: 53,
      retriable: false,
    });
  const f = failing(100, denied);
  const tx = new KafkaTransactions(f.kafka, 'rtap-test', noAdmin, (p) => p.connect(), counts);
  await assert.rejects(tx.init(), (err: Error) => {
    assert.ok(err instanceof RtapError);
    assert.match(
      err.message,
      /kafka transaction rtap-test: initialising: Transactional Id authorization failed/,
    );
    assert.equal((err.cause as { type?: string }).type, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
    return true;
  });
  assert.equal(f.calls(), 1);
});

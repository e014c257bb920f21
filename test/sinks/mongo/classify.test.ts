import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyMongoError } from '../../../src/sinks/mongo/writer.js';

function bulkError(message: string, writeErrors: unknown[]) {
  return Object.assign(new Error(message), { name: 'MongoBulkWriteError', writeErrors });
}

test('a bulk write that timed out or lost its connection as a whole is retried, not taken for a refused document', () => {
  for (const message of [
    'connection 114 to 127.0.0.1:33447 timed out',
    'connect ECONNREFUSED 127.0.0.1:1',
    'read ECONNRESET',
  ]) {
    const outcome = classifyMongoError(bulkError(message, []));
    assert.ok(!outcome.ok && outcome.kind === 'retry', message);
  }
});

test('a bulk write with document errors is bisected (reject); a network-sounding message does not change that', () => {
  const refused = bulkError('Document failed validation (socket of the day)', [{ code: 121, index: 0 }]);
  const outcome = classifyMongoError(refused);
  assert.ok(!outcome.ok && outcome.kind === 'reject');
});

test('bad credentials are fatal with a hint', () => {
  const outcome = classifyMongoError(
    Object.assign(new Error('Authentication failed.'), { name: 'MongoServerError', code: 18 }),
  );
  assert.ok(!outcome.ok && outcome.kind === 'fatal' && outcome.hint);
});

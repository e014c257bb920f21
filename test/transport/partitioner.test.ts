import { test } from 'node:test';
import assert from 'node:assert/strict';
import { murmur2, partitionForKey, toPositive } from '../../src/transport/partitioner.js';

/**
 * Vectors from Apache Kafka's own test suite, clients/src/test/java/org/apache/kafka/common/utils/
 * UtilsTest.java, testMurmur2 (murmur2 of the given bytes, as a signed Java int).
 */
const KAFKA_UTILS_TEST_MURMUR2: [string, number][] = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

test('murmur2 matches the vectors of Kafka UtilsTest.testMurmur2', () => {
  for (const [key, expected] of KAFKA_UTILS_TEST_MURMUR2) {
    assert.equal(murmur2(Buffer.from(key, 'latin1')), expected, `murmur2("${key}")`);
  }
});

test('murmur2 covers every tail length (the vectors have lengths 2, 3, 6, 24, 26 and 48)', () => {
  const lengths = new Set(KAFKA_UTILS_TEST_MURMUR2.map(([k]) => k.length % 4));
  assert.deepEqual([...lengths].sort(), [0, 2, 3]);
  // Tail length 1 is not in Kafka's vectors: check the fall-through against a literal transcription of the
  // Java code (switch (length % 4) { case 3: ...; case 2: ...; case 1: h ^= data[length & ~3]; h *= m; }).
  const javaTail1 = (data: number[]): number => {
    const m = 0x5bd1e995;
    let h = 0x9747b28c ^ data.length;
    const len4 = data.length >> 2;
    for (let i = 0; i < len4; i++) {
      let k = data[i * 4] | (data[i * 4 + 1] << 8) | (data[i * 4 + 2] << 16) | (data[i * 4 + 3] << 24);
      k = Math.imul(k, m);
      k ^= k >>> 24;
      k = Math.imul(k, m);
      h = Math.imul(h, m) ^ k;
    }
    h ^= data[data.length & ~3];
    h = Math.imul(h, m);
    h ^= h >>> 13;
    h = Math.imul(h, m);
    h ^= h >>> 15;
    return h | 0;
  };
  for (const key of ['u', 'u1234', 'session-1']) {
    assert.equal(murmur2(Buffer.from(key)), javaTail1([...Buffer.from(key)]), key);
  }
});

test('partition = toPositive(murmur2(key)) % partitions, as BuiltInPartitioner.partitionForKey', () => {
  for (const [key, hash] of KAFKA_UTILS_TEST_MURMUR2) {
    for (const n of [1, 3, 6, 12, 100]) {
      // Utils.toPositive is `number & 0x7fffffff`, not Math.abs: they differ for every negative hash.
      const expected = (hash & 0x7fffffff) % n;
      assert.equal(partitionForKey(key, n), expected, `"${key}" over ${n} partitions`);
    }
  }
  assert.equal(toPositive(-973932308), 2147483648 - 973932308);
  // The reference document's `Math.abs(hashCode) % n` would put "21" elsewhere: make sure we are not doing that.
  assert.notEqual(partitionForKey('21', 12), Math.abs(-973932308) % 12);
});

test('keys are hashed as UTF-8 bytes, as the Java StringSerializer encodes them', () => {
  assert.equal(murmur2(Buffer.from('ü', 'utf8')), murmur2(Uint8Array.from([0xc3, 0xbc])));
  assert.equal(partitionForKey('ü', 12), toPositive(murmur2(Uint8Array.from([0xc3, 0xbc]))) % 12);
});

test('the same key always lands in the same partition (DefaultPartitionerTest.testKeyPartitionIsStable)', () => {
  const p = partitionForKey('key', 3);
  for (let i = 0; i < 10; i++) assert.equal(partitionForKey('key', 3), p);
});

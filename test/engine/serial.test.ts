import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, decodeOnto, encode, type Json, type SentSizes } from '../../src/engine/serial.js';

const wire = (v: unknown, sent: SentSizes) => JSON.parse(JSON.stringify(encode(v, sent))) as Json;

test('sets sent before go as what they gained, and grow the same set on the other side, in order', () => {
  const sent: SentSizes = new WeakMap();
  const acc = { events: 2, users: new Set(['a', 'b']), byPage: new Map([['/', new Set(['a'])]]) };
  const first = wire(acc, sent);
  assert.deepEqual(first, {
    events: 2,
    users: { $set: ['a', 'b'] },
    byPage: { $map: [['/', { $set: ['a'] }]] },
  });
  const there = decodeOnto(undefined, first) as typeof acc;
  const users = there.users;
  acc.events = 4;
  acc.users.add('c').add('d');
  acc.byPage.get('/')!.add('c');
  acc.byPage.set('/x', new Set(['d']));
  const second = wire(acc, sent);
  assert.deepEqual(second, {
    events: 4,
    users: { $grow: ['c', 'd'], from: 2 },
    byPage: {
      $map: [
        ['/', { $grow: ['c'], from: 1 }],
        ['/x', { $set: ['d'] }],
      ],
    },
  });
  const after = decodeOnto(there, second) as typeof acc;
  assert.equal(after.users, users, 'the same Set object, grown');
  assert.deepEqual([...after.users], ['a', 'b', 'c', 'd']);
  assert.equal(after.events, 4);
  assert.deepEqual(
    [...after.byPage].map(([k, s]) => [k, [...s]]),
    [
      ['/', ['a', 'c']],
      ['/x', ['d']],
    ],
  );
  // Without `sent`, encode writes everything, as checkpoints need.
  assert.deepEqual(decode(encode(acc)), acc);
});

test('a set that grows from a size the receiver does not have is an error, not a wrong count', () => {
  const sent: SentSizes = new WeakMap();
  const users = new Set(['a']);
  wire({ users }, sent);
  users.add('b');
  const grown = wire({ users }, sent);
  assert.throws(
    () => decodeOnto({ users: new Set(['a', 'x', 'y']) }, grown),
    /after the first 1 .*3 elements/,
  );
  assert.throws(() => decodeOnto(undefined, grown), /no such set to grow \(none\)/);
  assert.throws(() => decode(grown), /no such set to grow/);
});

test('a whole set decoded onto the set it continues grows that set; onto any other it is decoded afresh', () => {
  const earlier = new Set(['a', 'b']);
  const grown = decodeOnto(earlier, { $set: ['a', 'b', 'c'] });
  assert.equal(grown, earlier);
  assert.deepEqual([...earlier], ['a', 'b', 'c']);
  const other = new Set(['x', 'b']);
  const fresh = decodeOnto(other, { $set: ['a', 'b', 'c'] }) as Set<string>;
  assert.notEqual(fresh, other);
  assert.deepEqual([...fresh], ['a', 'b', 'c']);
  assert.deepEqual([...other], ['x', 'b'], 'left as it was');
  assert.deepEqual(
    [...(decodeOnto(new Set(['a', 'b', 'c', 'd']), { $set: ['a', 'b'] }) as Set<string>)],
    ['a', 'b'],
  );
});

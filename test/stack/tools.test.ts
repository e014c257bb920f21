import { test } from 'node:test';
import assert from 'node:assert/strict';
import { javaMajor, requireJava, requireMaven } from '../../src/stack/tools.js';

test('java major versions are read from both version styles', () => {
  assert.equal(javaMajor('openjdk version "17.0.15" 2025-04-15'), 17);
  assert.equal(javaMajor('java version "1.8.0_392"'), 8);
  assert.equal(javaMajor('openjdk version "21" 2023-09-19'), 21);
  assert.equal(javaMajor('nonsense'), null);
});

test('a missing java or mvn is a clear error naming the tool and the fix', () => {
  const env = { ...process.env, PATH: '/nonexistent' };
  assert.throws(
    () => requireJava(env),
    (err: Error & { hint?: string }) =>
      /java was not found on PATH/.test(err.message) && /openjdk-17/.test(err.hint ?? ''),
  );
  assert.throws(
    () => requireMaven(env),
    (err: Error & { hint?: string }) =>
      /mvn was not found on PATH/.test(err.message) && /apt-get install maven/.test(err.hint ?? ''),
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedJars, pomFor } from '../../src/stack/fetch.js';

test('the generated pom declares the broker and a logging backend', () => {
  const pom = pomFor('3.9.1');
  assert.match(pom, /<artifactId>kafka_2\.13<\/artifactId><version>3\.9\.1<\/version>/);
  assert.match(pom, /<artifactId>slf4j-reload4j<\/artifactId>/);
});

test('a cache counts as complete only when every jar of its manifest is present', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtap-cache-'));
  try {
    const env = { RTAP_CACHE_DIR: dir };
    assert.equal(cachedJars('9.9.9', env), null);
    const home = join(dir, 'kafka-9.9.9');
    mkdirSync(join(home, 'libs'), { recursive: true });
    writeFileSync(
      join(home, 'manifest.json'),
      JSON.stringify({ version: '9.9.9', jars: ['a.jar', 'b.jar'], fetchedAt: '' }),
    );
    writeFileSync(join(home, 'libs', 'a.jar'), '');
    assert.equal(cachedJars('9.9.9', env), null, 'b.jar missing');
    writeFileSync(join(home, 'libs', 'b.jar'), '');
    assert.equal(cachedJars('9.9.9', env), join(home, 'libs'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

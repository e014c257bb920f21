import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';
import { OPTIONAL_PACKAGES } from '../../src/stack/testcontainers.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

test('testcontainers is an optional peer dependency: npm ci installs neither it nor its install scripts', () => {
  for (const name of OPTIONAL_PACKAGES) {
    assert.equal(pkg.dependencies[name], undefined, `${name} in dependencies`);
    assert.equal(pkg.devDependencies[name], undefined, `${name} in devDependencies`);
    assert.ok(pkg.peerDependencies[name], `${name} is a peer dependency`);
    assert.equal(pkg.peerDependenciesMeta[name]?.optional, true, `${name} is optional`);
  }
  // The lock file (what npm ci installs) holds none of them, nor the native modules they pull in.
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  for (const name of [...OPTIONAL_PACKAGES, 'ssh2', 'cpu-features'])
    assert.equal(lock.packages[`node_modules/${name}`], undefined, `${name} in package-lock.json`);
});

const installed = (() => {
  try {
    createRequire(join(root, 'package.json')).resolve('testcontainers');
    return true;
  } catch {
    return false;
  }
})();

test(
  'stack up --runtime container without the optional packages says which to install',
  { skip: installed && 'testcontainers is installed here' },
  async () => {
    const r = await runCli(['stack', 'up', '--runtime', 'container'], {
      env: { RTAP_STACK_DIR: mkdtempSync(join(tmpdir(), 'rtap-stack-')) },
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /rtap: error: testcontainers is not installed/);
    assert.match(r.stderr, /npm install --no-save testcontainers@\^11 @testcontainers\/kafka@\^11/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  },
);

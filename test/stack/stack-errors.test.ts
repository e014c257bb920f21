import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackDown, stackStatus, stackUp } from '../../src/stack/index.js';
import { findFreeBasePort } from '../../src/stack/ports.js';

test('a port in use is reported before anything starts, naming the port', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtap-stack-'));
  const base = await findFreeBasePort(1);
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(base, '127.0.0.1', r));
  try {
    await assert.rejects(
      stackUp({ stackDir: dir, port: base, runtime: 'native' }),
      new RegExp(`port ${base} on 127.0.0.1 is already in use`),
    );
    assert.equal((await stackStatus({ stackDir: dir })).running, false);
  } finally {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without java the native runtime fails at once with a clear message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtap-stack-'));
  try {
    await assert.rejects(
      stackUp({ stackDir: dir, runtime: 'native', env: { ...process.env, PATH: '/nonexistent' } }),
      /java was not found on PATH/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('down and status on a directory with no stack say nothing runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtap-stack-'));
  try {
    assert.deepEqual(await stackDown({ stackDir: dir }), { state: null, nodes: [] });
    assert.deepEqual(await stackStatus({ stackDir: dir }), { running: false, state: null, nodes: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreeBasePort } from '../../src/stack/ports.js';
import { checkTool } from '../../src/stack/tools.js';

const haveJava = checkTool('java', '-version').ok;
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test(
  'a broker started for an owner process stops when the owner is killed with SIGKILL (no cleanup code runs)',
  { skip: !haveJava && 'java not installed', timeout: 120_000 },
  async () => {
    const stackDir = mkdtempSync(join(tmpdir(), 'rtap-owner-'));
    const stack = fileURLToPath(new URL('../../src/stack/index.ts', import.meta.url));
    const port = await findFreeBasePort(1);
    // The owner: starts a broker tied to its own pid, prints the broker's pid, then waits to be killed.
    const script = `const { stackUp } = await import(${JSON.stringify(stack)});
const up = await stackUp({ stackDir: ${JSON.stringify(stackDir)}, port: ${port}, runtime: 'native', heap: '256m', ownerPid: process.pid });
console.log('broker pid ' + up.state.nodes[0].pid);
setInterval(() => {}, 1000);`;
    const owner = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    owner.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    owner.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    let brokerPid = 0;
    try {
      const deadline = Date.now() + 90_000;
      while (!(brokerPid = Number(/broker pid (\d+)/.exec(out)?.[1] ?? 0))) {
        assert.ok(
          owner.exitCode === null && Date.now() < deadline,
          `the owner did not start its broker:\n${out}`,
        );
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(alive(brokerPid), 'the broker runs while its owner does');
      owner.kill('SIGKILL');
      const killedAt = Date.now();
      while (alive(brokerPid) && Date.now() - killedAt < 30_000) await new Promise((r) => setTimeout(r, 250));
      assert.ok(!alive(brokerPid), `broker ${brokerPid} still runs 30 s after its owner was killed`);
    } finally {
      owner.kill('SIGKILL');
      if (brokerPid && alive(brokerPid)) process.kill(brokerPid, 'SIGKILL');
      rmSync(stackDir, { recursive: true, force: true });
    }
  },
);

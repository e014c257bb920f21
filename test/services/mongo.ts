/**
 * The `mongo` test service: a server of the MongoDB wire protocol for the hot store's tests. MongoDB is
 * not in Debian, so this is FerretDB v1.24.2 (Apache 2.0), built from its Go module by
 * scripts/install-ferretdb.sh (cached under ~/.cache/rtap) and run on its SQLite backend in a temporary
 * directory, on a free 127.0.0.1 port, once per test run. A watchdog stops it when its owner ends.
 *
 * Environment passed to the tests: RTAP_MONGO_URL (mongodb://127.0.0.1:<port>/) and RTAP_MONGO_KIND
 * (`ferretdb`); with RTAP_MONGO_URL already set (e.g. a real MongoDB), that server is used instead.
 * `startFerretDb` is also used directly by tests that stop and restart the server.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ServiceHandle, TestService } from '../../scripts/test.js';
import { freePort } from './influx.js';

const root = resolve(import.meta.dirname, '..', '..');

export interface FerretDb {
  url: string;
  port: number;
  dir: string;
  start(): Promise<void>;
  /** SIGTERM (graceful); SIGKILL after 15 s. */
  stop(): Promise<void>;
  destroy(): Promise<void>;
  running(): boolean;
}

let binary: string | null = null;
function ferretDbBinary(): string {
  if (binary) return binary;
  const r = spawnSync('sh', [join(root, 'scripts', 'install-ferretdb.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`scripts/install-ferretdb.sh failed (exit ${r.status})`);
  binary = r.stdout.trim().split('\n').pop()!;
  return binary;
}

function listening(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      ok(true);
    });
    s.once('error', () => ok(false));
  });
}

export async function startFerretDb(opts: { ownerPid?: number } = {}): Promise<FerretDb> {
  const bin = ferretDbBinary();
  const port = await freePort();
  const debugPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rtap-ferretdb-'));
  const log = createWriteStream(join(dir, 'ferretdb.log'), { flags: 'a' });
  const owner = opts.ownerPid ?? process.pid;
  let proc: ChildProcess | null = null;
  const db: FerretDb = {
    url: `mongodb://127.0.0.1:${port}/`,
    port,
    dir,
    running: () => proc !== null && proc.exitCode === null,
    async start() {
      if (db.running()) return;
      const p = spawn(
        bin,
        [
          '--handler=sqlite',
          `--sqlite-url=file:${dir}/`,
          `--listen-addr=127.0.0.1:${port}`,
          `--debug-addr=127.0.0.1:${debugPort}`,
          `--state-dir=${dir}`,
          '--telemetry=disable',
          '--log-level=WARN',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      proc = p;
      p.stdout!.pipe(log, { end: false });
      p.stderr!.pipe(log, { end: false });
      spawn(
        'sh',
        [
          '-c',
          `while kill -0 ${owner} 2>/dev/null && kill -0 ${p.pid} 2>/dev/null; do sleep 1; done; kill -TERM ${p.pid} 2>/dev/null`,
        ],
        { detached: true, stdio: 'ignore' },
      ).unref();
      const deadline = Date.now() + 30_000;
      while (!(await listening(port))) {
        if (p.exitCode !== null || Date.now() > deadline) {
          p.kill('SIGKILL');
          proc = null;
          throw new Error(`ferretdb did not start on port ${port} (log: ${join(dir, 'ferretdb.log')})`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      const p = proc;
      if (!p || p.exitCode !== null) return;
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      p.kill('SIGTERM');
      const killer = setTimeout(() => p.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
      proc = null;
    },
    async destroy() {
      await db.stop();
      log.end();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await db.start();
  return db;
}

const service: TestService = {
  name: 'mongo',
  async start(): Promise<ServiceHandle> {
    if (process.env.RTAP_MONGO_URL)
      return { env: { RTAP_MONGO_KIND: process.env.RTAP_MONGO_KIND ?? 'mongodb' }, stop: async () => {} };
    const db = await startFerretDb();
    return { env: { RTAP_MONGO_URL: db.url, RTAP_MONGO_KIND: 'ferretdb' }, stop: () => db.destroy() };
  },
};
export default service;

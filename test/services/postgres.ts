/**
 * The `postgres` test service: a private PostgreSQL cluster (Debian's server, installed by
 * scripts/install-postgresql.sh when missing) initialised in a temporary directory and started on a free
 * 127.0.0.1 port, once per test run. As root the server runs as the `postgres` user (PostgreSQL refuses
 * root). A watchdog stops it when the process that started it ends, even on SIGKILL.
 *
 * Environment passed to the tests: RTAP_PG_URL (postgres://rtap@127.0.0.1:<port>/postgres, trust auth).
 * `startPostgres` is also used directly by tests that stop and restart the server (outages).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { ServiceHandle, TestService } from '../../scripts/test.js';
import { freePort } from './influx.js';

const root = resolve(import.meta.dirname, '..', '..');

export interface PostgresServer {
  url: string;
  port: number;
  dir: string;
  /** Starts the server (again, same port and data) and waits until it accepts connections. */
  start(): Promise<void>;
  /** Fast shutdown (SIGINT: open transactions roll back, committed data stays); SIGKILL after 15 s. */
  stop(): Promise<void>;
  /** Kills the server with SIGKILL (a crash: the next start runs crash recovery from the WAL). */
  crash(): Promise<void>;
  /** Stops it and deletes its directory. */
  destroy(): Promise<void>;
  running(): boolean;
}

function binDir(): string {
  const find = () => {
    const base = '/usr/lib/postgresql';
    if (!existsSync(base)) return null;
    const versions = readdirSync(base)
      .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    return versions.length ? join(base, versions[0], 'bin') : null;
  };
  const found = find();
  if (found) return found;
  console.error('postgres service: PostgreSQL not found, installing it with scripts/install-postgresql.sh');
  const r = spawnSync('sh', [join(root, 'scripts', 'install-postgresql.sh')], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`scripts/install-postgresql.sh failed (exit ${r.status})`);
  const again = find();
  if (!again) throw new Error('postgres service: no /usr/lib/postgresql/*/bin/initdb after installing');
  return again;
}

/** PostgreSQL refuses to run as root: then run it as the postgres user the Debian package creates. */
function runAs(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const u = id('-u');
  const g = id('-g');
  if (u.status !== 0 || g.status !== 0)
    throw new Error('postgres service: running as root, but there is no postgres user to run the server as');
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

async function waitReady(url: string, proc: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`postgres exited with code ${proc.exitCode} while starting`);
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
      return;
    } catch (e) {
      last = (e as Error).message;
      await c.end().catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`postgres did not accept connections at ${url} within ${timeoutMs / 1000}s (${last})`);
}

export async function startPostgres(opts: { ownerPid?: number } = {}): Promise<PostgresServer> {
  const bin = binDir();
  const user = runAs();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rtap-pg-'));
  const data = join(dir, 'data');
  mkdirSync(data, { mode: 0o700 });
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(data, user.uid, user.gid);
  }
  const init = spawnSync(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'rtap', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync'],
    { encoding: 'utf8', ...(user ?? {}) },
  );
  if (init.status !== 0) throw new Error(`initdb failed (exit ${init.status}): ${init.stderr}`);
  const url = `postgres://rtap@127.0.0.1:${port}/postgres`;
  const log = createWriteStream(join(dir, 'postgres.log'), { flags: 'a' });
  let proc: ChildProcess | null = null;
  const owner = opts.ownerPid ?? process.pid;

  const server: PostgresServer = {
    url,
    port,
    dir,
    running: () => proc !== null && proc.exitCode === null,
    async start() {
      if (server.running()) return;
      // After a crash the old backends notice their postmaster died and exit within moments; until they
      // have, a new postmaster refuses the data directory. Try again a few times.
      for (let attempt = 1; ; attempt++) {
        try {
          return await startOnce();
        } catch (e) {
          if (attempt >= 10) throw e;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    },
    async stop() {
      await halt('SIGINT');
    },
    async crash() {
      await halt('SIGKILL');
    },
    async destroy() {
      await server.stop();
      log.end();
      await rm(dir, { recursive: true, force: true });
    },
  };

  async function halt(signal: NodeJS.Signals): Promise<void> {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill(signal);
    const killer = setTimeout(() => p.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
    proc = null;
  }

  async function startOnce(): Promise<void> {
    const p = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        // A test cluster: the OS keeps what a killed server wrote; no need to wait for the disk.
        '-c',
        'fsync=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'shared_buffers=32MB',
        '-c',
        'max_connections=40',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], ...(user ?? {}) },
    );
    proc = p;
    p.stdout!.pipe(log, { end: false });
    p.stderr!.pipe(log, { end: false });
    // Stops the server when its owner ends without cleaning up (SIGKILL, a timeout).
    spawn(
      'sh',
      [
        '-c',
        `while kill -0 ${owner} 2>/dev/null && kill -0 ${p.pid} 2>/dev/null; do sleep 1; done; kill -INT ${p.pid} 2>/dev/null`,
      ],
      { detached: true, stdio: 'ignore' },
    ).unref();
    try {
      await waitReady(url, p, 30_000);
    } catch (e) {
      p.kill('SIGKILL');
      proc = null;
      throw new Error(`${(e as Error).message} (log: ${join(dir, 'postgres.log')})`);
    }
  }
  await server.start();
  return server;
}

const service: TestService = {
  name: 'postgres',
  async start(): Promise<ServiceHandle> {
    if (process.env.RTAP_PG_URL) return { env: {}, stop: async () => {} };
    const server = await startPostgres();
    return { env: { RTAP_PG_URL: server.url }, stop: () => server.destroy() };
  },
};
export default service;

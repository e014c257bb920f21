import { createServer, Socket } from 'node:net';

/** True when nothing listens on 127.0.0.1:port (we could bind it). */
export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('error', () => done(false));
    s.connect(port, host, () => done(true));
  });
}

/**
 * A base port p such that p..p+n-1 and p+100..p+100+n-1 are all free right now (tests and parallel stacks
 * use it to avoid colliding with a stack a person started on the default ports).
 */
export async function findFreeBasePort(n: number, from = 20000, to = 60000): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = from + Math.floor(Math.random() * (to - from - 200));
    const ports = Array.from({ length: n }, (_, i) => [base + i, base + 100 + i]).flat();
    const free = await Promise.all(ports.map((p) => portFree(p)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('could not find free ports for a local Kafka cluster');
}

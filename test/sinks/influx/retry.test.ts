import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { createInfluxSink } from '../../../src/sinks/influx/index.js';
import { seededRun } from './seeded.js';

/**
 * A timed-out request may still be executed by the server (a hung server handles what it queued when it
 * wakes up), so the sink's retry must be the same write: the same lines, byte for byte, whatever the
 * attempt. A plain HTTP server here leaves the first requests unanswered (like a hung one) and records
 * every body it receives.
 */
let server: Server;
let url = '';
const bodies: string[] = [];
let hangFirst = 0;

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  return (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
}

before(async () => {
  server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      bodies.push(body);
      if (bodies.length <= hangFirst) return; // never answered: the client times out
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('influx sink retrying a request that timed out', () => {
  it('re-sends the same lines byte for byte: no attempt number, no write time', async () => {
    hangFirst = 2;
    const run = seededRun(5, Date.UTC(2024, 0, 1), 12);
    const sink = createInfluxSink({
      url,
      batchSize: 1000,
      timeoutMs: 200,
      minRetryDelayMs: 50,
      maxRetryDelayMs: 50,
      flushIntervalMs: 0,
      tags: { run: 'retry' },
      log: () => {},
    });
    await sink.write(run.outputs);
    await sink.flush();
    const stats = sink.stats();
    await sink.close();

    assert.equal(bodies.length, 3, 'two timed-out attempts, then one answered');
    assert.equal(bodies[1], bodies[0]);
    assert.equal(bodies[2], bodies[0]);
    const points = run.finals.length + run.alerts.length;
    assert.equal(bodies[0].split('\n').filter((l) => l !== '').length, points);
    assert.deepEqual([stats.written, stats.retried, stats.failed], [points, 2 * points, 0]);
  });

  it('closes the connection of a timed-out request instead of leaving it open for the hang', async () => {
    bodies.length = 0;
    hangFirst = 5;
    const sink = createInfluxSink({
      url,
      timeoutMs: 100,
      minRetryDelayMs: 10,
      maxRetryDelayMs: 10,
      breakerThreshold: 100,
      flushIntervalMs: 0,
      log: () => {},
    });
    await sink.write(seededRun(6, Date.UTC(2024, 0, 1), 2).outputs);
    await sink.flush();
    assert.equal(bodies.length, 6);
    // The server's view: the five unanswered connections were closed by the client; the answered one
    // may stay open for reuse (keep-alive).
    let open = Infinity;
    for (let i = 0; i < 40 && open > 1; i++) {
      open = await new Promise<number>((r) => server.getConnections((_, n) => r(n)));
      if (open > 1) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(open <= 1, `${open} connections still open at the server`);
    await sink.close();
  });
});

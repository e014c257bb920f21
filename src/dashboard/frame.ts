import type { Socket } from 'node:net';
import { createRequire } from 'node:module';
import type { WebSocket } from 'ws';

/**
 * Fan-out fast path. ws.send frames every message per client (header, options, checks), which costs
 * about half of a 1,000-client batch. Here a batch is framed once (server frames are unmasked, so all
 * clients get identical bytes) and written to each client's socket directly.
 *
 * This uses ws internals (`_socket`, `_sender._state/_queue`, ws 8). They are checked on every send. When
 * ws is not idle (a queued frame) or the internals are not what we expect, it falls back to ws.send.
 * `bufferedAmount` counts the socket's write buffer either way, so the slow-client bound still holds.
 */
interface WsInternals {
  _socket?: Socket;
  _sender?: { _state?: number; _queue?: unknown[] };
}

// ws's Sender (static frame()) is exported by its CommonJS entry, not typed in @types/ws.
const frameStatic = (
  createRequire(import.meta.url)('ws') as { Sender: { frame(data: Buffer, o: object): Buffer[] } }
).Sender.frame;

/** One unmasked final text frame carrying `data`. */
export function textFrame(data: Buffer): Buffer {
  return Buffer.concat(
    frameStatic(data, { fin: true, rsv1: false, opcode: 0x01, mask: false, readOnly: true }),
  );
}

export function sendFramed(ws: WebSocket, frame: Buffer, data: Buffer): void {
  const { _socket: socket, _sender: sender } = ws as unknown as WsInternals;
  if (
    socket &&
    sender &&
    sender._state === 0 &&
    Array.isArray(sender._queue) &&
    sender._queue.length === 0 &&
    socket.writable
  ) {
    socket.write(frame);
    return;
  }
  ws.send(data, { binary: false });
}

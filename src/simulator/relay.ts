import type { DeliveryReport, OutgoingMessage, Producer } from '../transport/types.js';

/**
 * A generator thread's sends, relayed to a producer on the main thread: the embedded log lives in the
 * main thread's memory, so a thread that generates for it hands its encoded records over instead of
 * opening a producer of its own. The values of one request travel as one transferred buffer (no copy,
 * no structured clone of a Buffer per record).
 */
export interface PackedMessages {
  keys: (string | null)[];
  /** The values back to back; value i is bytes [ends[i-1], ends[i]). */
  bytes: Uint8Array;
  ends: Uint32Array;
}

export function packMessages(messages: OutgoingMessage[]): PackedMessages {
  const ends = new Uint32Array(messages.length);
  let total = 0;
  for (let i = 0; i < messages.length; i++) ends[i] = total += messages[i].value.length;
  const bytes = new Uint8Array(total);
  const keys = new Array<string | null>(messages.length);
  let at = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (m.headers || m.partition !== undefined || m.timestamp !== undefined)
      throw new Error('relayed messages carry a key and a value only');
    bytes.set(m.value, at);
    at = ends[i];
    keys[i] = m.key;
  }
  return { keys, bytes, ends };
}

export function unpackMessages(p: PackedMessages): OutgoingMessage[] {
  const out = new Array<OutgoingMessage>(p.keys.length);
  const buf = Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength);
  let start = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = { key: p.keys[i], value: buf.subarray(start, p.ends[i]) };
    start = p.ends[i];
  }
  return out;
}

export type RelayRequest = { kind: 'send'; id: number; topic: string; messages: PackedMessages };
export type RelayReply =
  | { kind: 'sent'; id: number; reports: DeliveryReport[] }
  | { kind: 'send-failed'; id: number; message: string };

/** The thread's side: a Producer whose sends are requests to the main thread, settled by its replies. */
export class RelayProducer implements Producer {
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve: (r: DeliveryReport[]) => void; reject: (e: Error) => void; done: Promise<unknown> }
  >();

  constructor(private readonly request: (r: RelayRequest, transfer: ArrayBuffer[]) => void) {}

  send(topic: string, messages: OutgoingMessage[]): Promise<DeliveryReport[]> {
    const id = this.nextId++;
    const packed = packMessages(messages);
    let resolve!: (r: DeliveryReport[]) => void;
    let reject!: (e: Error) => void;
    const done = new Promise<DeliveryReport[]>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.pending.set(id, { resolve, reject, done: done.catch(() => {}) });
    this.request({ kind: 'send', id, topic, messages: packed }, [packed.bytes.buffer as ArrayBuffer]);
    return done;
  }

  settle(reply: RelayReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (reply.kind === 'sent') p.resolve(reply.reports);
    else p.reject(new Error(reply.message));
  }

  async flush(): Promise<void> {
    await Promise.all([...this.pending.values()].map((p) => p.done));
  }

  async close(): Promise<void> {
    await this.flush();
  }
}

/** The main thread's side: runs a relayed request on the real producer and says how it went. */
export function serveRelay(producer: Producer, req: RelayRequest, reply: (r: RelayReply) => void): void {
  producer.send(req.topic, unpackMessages(req.messages)).then(
    (reports) => reply({ kind: 'sent', id: req.id, reports }),
    (err: unknown) =>
      reply({ kind: 'send-failed', id: req.id, message: err instanceof Error ? err.message : String(err) }),
  );
}

import { packBytes, partAt, type PackedBytes } from '../transport/packed.js';
import type { DeliveryReport, OutgoingMessage, Producer } from '../transport/types.js';

/**
 * A generator thread's sends, relayed to a producer on the main thread: the embedded log lives in the
 * main thread's memory, so a thread that generates for it hands its encoded records over instead of
 * opening a producer of its own. The values of one request travel as one transferred buffer (no copy,
 * no structured clone of a Buffer per record).
 */
export interface PackedMessages {
  keys: (string | null)[];
  values: PackedBytes;
}

export function packMessages(messages: OutgoingMessage[]): PackedMessages {
  for (const m of messages)
    if (m.headers || m.partition !== undefined || m.timestamp !== undefined)
      throw new Error('relayed messages carry a key and a value only');
  return { keys: messages.map((m) => m.key), values: packBytes(messages.map((m) => m.value)) };
}

export function unpackMessages(p: PackedMessages): OutgoingMessage[] {
  return p.keys.map((key, i) => ({ key, value: partAt(p.values, i) }));
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
    this.request({ kind: 'send', id, topic, messages: packed }, [
      packed.values.bytes.buffer as ArrayBuffer,
      packed.values.ends.buffer as ArrayBuffer,
    ]);
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

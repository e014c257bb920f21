import type { DeliveryReport, OutgoingMessage, Producer } from '../transport/types.js';

/**
 * A Producer that only collects: the sinks and the dead-letter path write into it as usual, and the
 * checkpointer takes everything collected since the last checkpoint into one Kafka transaction. Nothing
 * is sent before that transaction, so outputs become visible exactly once, together with their offsets.
 */
export class TransactionBuffer implements Producer {
  private messages = new Map<string, OutgoingMessage[]>();
  private count = 0;

  send(topic: string, messages: OutgoingMessage[]): Promise<DeliveryReport[]> {
    let list = this.messages.get(topic);
    if (!list) this.messages.set(topic, (list = []));
    for (const m of messages) list.push(m);
    this.count += messages.length;
    // Offsets are assigned when the transaction commits; -1 says "not known" as elsewhere in the seam.
    return Promise.resolve(messages.map((m) => ({ topic, partition: m.partition ?? -1, offset: -1 })));
  }

  /** Messages collected so far, by topic in send order; the buffer starts empty again. */
  take(): Map<string, OutgoingMessage[]> {
    const out = this.messages;
    this.messages = new Map();
    this.count = 0;
    return out;
  }

  get size(): number {
    return this.count;
  }

  /** Sending happens at the next checkpoint; there is nothing to wait for here. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Scale-out: the topics sink's producer. Each task commits its own outputs in its own transaction, so the
 * processor points this at the transaction buffer of the task whose outputs it is about to deliver.
 */
export class OutputRouter implements Producer {
  target: Producer | null = null;

  send(topic: string, messages: OutgoingMessage[]): Promise<DeliveryReport[]> {
    if (!this.target) throw new Error('output router: no task to send for');
    return this.target.send(topic, messages);
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

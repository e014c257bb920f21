import type { InputCut } from '../files/lines.js';
import type { Producer } from '../transport/types.js';
import { systemClock } from '../time/clock.js';
import { loadRecording } from './file-input.js';
import { FileProgress } from './file-progress.js';
import type { Processor } from './processor.js';
import type { InputSummary } from './summary.js';

export interface FileRunOptions {
  file: string;
  processor: Processor;
  producer: Producer;
  /** Progress goes here (stderr). */
  stream: NodeJS.WriteStream;
  /** A terminal a person watches: progress redrawn in place. */
  interactive: boolean;
  signal: AbortSignal;
}

/** Counts what a producer sends, for progress while a recording is being read. */
function counting(producer: Producer, onSent: (n: number) => void): Producer {
  return {
    send: async (topic, messages) => {
      const r = await producer.send(topic, messages);
      onSent(messages.length);
      return r;
    },
    flush: () => producer.flush(),
    close: () => producer.close(),
  };
}

/**
 * File mode (`rtap process --input`): loads the recording into the log, processes every record of it,
 * and drains the engine (end of input closes every window). A recording that ends early is processed up
 * to its cut, which the summary reports.
 */
export async function runFile(o: FileRunOptions): Promise<InputSummary> {
  let read = 0;
  let readDone = false;
  let cut: InputCut | null = null;
  const progress = new FileProgress(
    { read: () => read, readDone: () => readDone, processed: () => o.processor.counters.consumed },
    { file: o.file, stream: o.stream, interactive: o.interactive },
  );
  progress.start();
  try {
    const loaded = await loadRecording(
      o.file,
      counting(o.producer, (n) => (read += n)),
      1000,
      { onCut: (c) => (cut = c) },
    );
    read = loaded;
    readDone = true;
    const running = o.processor.start();
    while (o.processor.counters.consumed < loaded && !o.signal.aborted) await systemClock.sleep(5);
    await o.processor.drain();
    await o.processor.stop();
    await running;
    const c = cut as InputCut | null;
    return { file: o.file, records: loaded, cut: c ? { line: c.line, reason: c.reason } : null };
  } finally {
    progress.stop();
  }
}

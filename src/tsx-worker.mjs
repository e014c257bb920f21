// Runs the TypeScript worker from source (tests, `node --import tsx`): registers tsx inside the thread,
// which does not inherit the parent's loader hooks. The compiled CLI starts worker.js directly.
import { workerData } from 'node:worker_threads';

const { register } = await import('tsx/esm/api');
register();
await import(workerData.entry);

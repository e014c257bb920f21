import type { BenchPhase } from './run.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** What a bench does after its load, in words (the end can take a while on a large backlog). */
export function phaseText(p: BenchPhase): string {
  switch (p.kind) {
    case 'catching-up':
      return `load done; the processor is catching up with the log (${p.lag.toLocaleString('en-US')} records behind, ${seconds(p.elapsedMs)} after the load)`;
    case 'draining':
      return 'end of input: closing every open window and firing the pending pattern timeouts (not measured)';
    case 'closing-sinks':
      return 'flushing and closing the sinks';
    case 'done':
      return `done ${seconds(p.elapsedMs)} after the load; the report follows`;
  }
}

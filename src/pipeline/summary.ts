import type { CheckpointRecord } from '../checkpoint/coordinator.js';
import type { SinkStats } from '../sinks/types.js';
import type { countersReport } from './counters.js';

/** File mode: the recording, how many records it held, and where it ended early if it did. */
export interface InputSummary {
  file: string;
  records: number;
  cut: { line: number; reason: string } | null;
}

/** What `rtap process` reports at its end (`--json`), documented in docs/pipeline.md. */
export type ProcessSummary = ReturnType<typeof countersReport> & {
  checkpoints?: number;
  recovery_ms?: number;
  /** The most recent checkpoints of a single processor, oldest first (`--json` only). */
  checkpoint_log?: CheckpointRecord[];
  first_batch_at?: number | null;
  last_batch_at?: number | null;
  input?: InputSummary;
  elapsed_ms: number;
  /** Where results and alerts went ("-" is stdout). */
  outputs: string[];
  /** Every sink's counters after it closed, by sink name (written, retried, buffered, failed, its own). */
  sinks: Record<string, SinkStats>;
};

const int = (n: number) => Math.round(n).toLocaleString('en-US');

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}

/** The summary for people: what was read, what came out, where it went. */
export function renderProcessSummary(s: ProcessSummary): string {
  const rate = s.elapsed_ms > 0 ? ` (${int((s.consumed / s.elapsed_ms) * 1000)}/s)` : '';
  const head = s.input
    ? `rtap process: ${int(s.consumed)} records from ${s.input.file} in ${seconds(s.elapsed_ms)}${rate}`
    : `rtap process: ${int(s.consumed)} records consumed in ${seconds(s.elapsed_ms)}${rate}`;
  const reasons = Object.entries(s.dead_letter_reasons)
    .sort(([, a], [, b]) => b - a)
    .map(([k, v]) => `${k} ${int(v)}`)
    .join(', ');
  const lines = [
    head,
    `  accepted      ${int(s.accepted)} · duplicates ${int(s.duplicates)} · late ${int(s.late)} · future ${int(s.future)} · malformed ${int(s.malformed)}`,
    `  dead letters  ${int(s.dead_letters)}${reasons ? ` — ${reasons}` : ''}`,
    `  results       ${int(s.results)} (${int(s.final_results)} final) · alerts ${int(s.alerts)}${s.end_of_input_alerts ? ` (${int(s.end_of_input_alerts)} raised by the end of input)` : ''}`,
  ];
  if (s.partial_matches_evicted)
    lines.push(
      `  CEP evicted   ${int(s.partial_matches_evicted)} partial matches at its limits (--max-partial-matches): alerts that needed them are lost`,
    );
  if (s.checkpoints !== undefined)
    lines.push(`  checkpoints   ${int(s.checkpoints)} (state restored in ${int(s.recovery_ms ?? 0)} ms)`);
  if (s.outputs.length)
    lines.push(`  written to    ${s.outputs.map((o) => (o === '-' ? 'stdout' : o)).join(', ')}`);
  for (const [name, c] of Object.entries(s.sinks)) {
    // A sink's retries and losses are said even when zero: "0 failed" is the news after an outage.
    lines.push(
      `  sink ${name}: written ${int(c.written)} · retried ${int(c.retried)} · buffered ${int(c.buffered)} · failed ${int(c.failed)}`,
    );
  }
  return lines.join('\n');
}

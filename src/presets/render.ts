import Table from 'cli-table3';
import { Chalk } from 'chalk';
import type { PresetSection } from './targets.js';

/** The targets table of a report: each document figure, the check, what was measured, pass or fail. */
export function renderPresetSection(p: PresetSection, color: boolean): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const style = color ? { head: ['cyan'] } : { head: [], border: [] };
  const lines: string[] = [];
  lines.push(c.bold(`preset ${p.name} (${p.references.join(', ')}): the reference's targets`));
  const t = new Table({
    head: ['document', 'target (as stated)', 'check', 'measured', 'result'],
    style,
    colWidths: [10, 46, 30, 24, 14],
    wordWrap: true,
  });
  for (const r of p.targets) {
    const result =
      r.status === 'pass' ? c.green('pass') : r.status === 'fail' ? c.red('FAIL') : c.yellow('not measured');
    // The gate's message without the expression (the check column has it) and without the limit.
    const measured =
      r.status === 'not_measured'
        ? r.message.replace(/^.*?: /, '')
        : (/measured (.+?), limit/.exec(r.message)?.[1] ?? r.message.replace(/^.*?: /, ''));
    t.push([`${r.document.slice(0, 3)}:${r.line}`, r.quote.trim(), r.check ?? '–', measured, result]);
  }
  lines.push(t.toString());
  const notes = p.targets.filter((r) => r.note).map((r) => `${r.document.slice(0, 3)}:${r.line} ${r.note}`);
  if (notes.length) lines.push(c.dim(notes.join('\n')));
  lines.push(
    `sinks: ${p.sinks.used.join(', ') || 'none'}` +
      (p.sinks.skipped.length
        ? `; skipped: ${p.sinks.skipped.map((s) => `${s.sink} (${s.why})`).join(', ')}`
        : ''),
  );
  const failed = p.targets.filter((r) => r.status === 'fail').length;
  const measured = p.targets.filter((r) => r.status !== 'not_measured').length;
  lines.push(
    failed
      ? c.red(`✗ ${failed} of ${measured} measured targets missed`)
      : c.green(`✓ all ${measured} measured targets met`),
  );
  return lines.join('\n');
}

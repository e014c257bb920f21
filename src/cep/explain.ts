import type { PatternDefinition, SequencePattern, ThresholdRule } from './ast.js';
import { formatDuration } from './expr.js';
import { compilePattern } from './nfa.js';
import { printExpr } from './print.js';

export { printExpr };

/** Renders checked definitions for people: `rtap patterns check` prints these. */

function quant(min: number, max: number): string {
  if (min === 1 && max === 1) return 'exactly 1 event';
  if (max === Infinity) return `${min} or more events`;
  if (min === max) return `exactly ${min} events`;
  return `${min} to ${max} events`;
}

function explainSequence(def: SequencePattern): string {
  const p = compilePattern(def);
  const els = def.elements;
  const kinds = (i: number) => (els[i].kinds ? els[i].kinds!.join('|') : 'ANY');
  const cond = (i: number) => (els[i].condition ? ` where ${printExpr(els[i].condition!)}` : '');
  const lines: string[] = [];
  lines.push(`pattern ${def.name}  (${def.file}:${def.line})`);
  lines.push(
    `  severity ${def.severity} · partition by ${def.partitionBy} · within ${formatDuration(def.withinMs, true)} (event time) · after match: skip past last event`,
  );
  lines.push(`  message: ${JSON.stringify(def.message.text)}`);
  if (def.filter) lines.push(`  match filter (checked when a match is complete): ${printExpr(def.filter)}`);
  lines.push('  states and transitions:');
  const name = (i: number) => `s${i + 1} ${els[i].variable}`;
  lines.push(
    `    s0 start: every event of kind ${kinds(0)}${cond(0)} starts a new partial match (deadline = its event_time + ${formatDuration(def.withinMs, true)})`,
  );
  lines.push(`       → ${name(0)}`);
  els.forEach((el, i) => {
    if (el.negated) return;
    lines.push(`    ${name(i)}: took ${kinds(i)} as ${el.variable} (${quant(el.min, el.max)})`);
    if (el.max > 1) {
      lines.push(
        `       on ${kinds(i)}${cond(i)} → ${name(i)} (another ${el.variable}, while fewer than ${el.max === Infinity ? '∞' : el.max}; ${el.strict ? 'strict: must be the very next event' : 'relaxed'})`,
      );
    }
    const gate = el.min > 1 ? ` once ${el.variable} has ${el.min}` : '';
    for (const k of p.nots[i]) {
      lines.push(
        `       NOT ${kinds(k)}${cond(k)}: such an event after ${el.variable}${gate} forbids moving on (the partial match must take another ${el.variable} or die)`,
      );
    }
    for (const j of p.targets[i]) {
      const skipped = els
        .slice(i + 1, j)
        .filter((x) => !x.negated)
        .map((x) => x.variable);
      lines.push(
        `       on ${kinds(j)}${cond(j)}${gate} → ${name(j)}${skipped.length ? ` (skipping optional ${skipped.join(', ')})` : ''}${els[j].strict ? ' — strict: only if it is the very next event of the key' : ''}`,
      );
    }
    if (p.accept[i] === 'now')
      lines.push(
        `       ACCEPT${gate}: emit the match${def.filter ? ' if the match filter holds (otherwise keep going)' : ''}`,
      );
    if (p.accept[i] === 'pending')
      lines.push(
        `       PENDING${gate}: emit when the watermark passes the deadline, unless a NOT event arrived`,
      );
    if (p.accept[i] === 'now' && el.max === el.min && !p.targets[i].length) return;
    const strictAll = (el.max > 1 ? el.strict : true) && p.targets[i].every((j) => els[j].strict);
    lines.push(
      `       other events: ${strictAll && p.accept[i] !== 'pending' ? 'kill the partial match (strict contiguity)' : 'skipped'}`,
    );
  });
  lines.push('    at the deadline: partial matches are dropped (counted as timed out) unless PENDING');
  return lines.join('\n');
}

function explainRule(def: ThresholdRule): string {
  const lines = [`rule ${def.name}  (${def.file}:${def.line})`];
  lines.push(
    `  severity ${def.severity} · reads view '${def.view}' (${def.emit} results) · at most one alert per window and key`,
  );
  if (def.baseline) {
    lines.push(
      `  baseline: ${def.baseline.field.join('.')} over the previous ${def.baseline.windows} final windows of the same key → value, mean, stddev, zscore, samples`,
    );
  }
  lines.push(`  alert when: ${printExpr(def.condition)}`);
  lines.push(`  message: ${JSON.stringify(def.message.text)}`);
  return lines.join('\n');
}

export function explainPattern(p: PatternDefinition): string {
  return p.kind === 'sequence' ? explainSequence(p) : explainRule(p);
}

import { UsageError } from '../errors.js';
import type { Alert, Severity } from '../events/results.js';

const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];

/**
 * Which alerts to show. Every part that is set must match; a part lists alternatives (any may match).
 * Patterns and keys match as case-insensitive substrings, severities exactly.
 */
export interface AlertFilter {
  patterns: string[];
  severities: Severity[];
  keys: string[];
}

export const EMPTY_FILTER: AlertFilter = { patterns: [], severities: [], keys: [] };

export function isEmptyFilter(f: AlertFilter): boolean {
  return f.patterns.length === 0 && f.severities.length === 0 && f.keys.length === 0;
}

export function matchesFilter(a: Alert, f: AlertFilter): boolean {
  const has = (hay: string, needles: string[]) =>
    needles.length === 0 || needles.some((n) => hay.toLowerCase().includes(n.toLowerCase()));
  return (
    has(a.pattern, f.patterns) &&
    has(a.key, f.keys) &&
    (f.severities.length === 0 || f.severities.includes(a.severity))
  );
}

function severity(raw: string, where: string): Severity {
  const s = raw.toLowerCase();
  // Accept the prefixes people type (crit, warn) as well as the full names.
  const hit = SEVERITIES.find((x) => x === s || (s.length >= 3 && x.startsWith(s)));
  if (!hit)
    throw new UsageError(`${where}: unknown severity '${raw}': expected one of ${SEVERITIES.join(', ')}`);
  return hit;
}

/** Splits "a,b" flag values. */
function alternatives(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The filter of the command line (--pattern, --severity, --key; each may list alternatives: a,b). */
export function filterFromFlags(o: { pattern?: string; severity?: string; key?: string }): AlertFilter {
  return {
    patterns: alternatives(o.pattern),
    severities: alternatives(o.severity).map((s) => severity(s, '--severity')),
    keys: alternatives(o.key),
  };
}

/**
 * The filter typed at the `f` prompt: space-separated terms, `severity:critical` (or `sev:`/`s:`),
 * `key:u-42` (or `k:`), `pattern:fraud` (or `p:`), and a bare word is a pattern. Empty text clears it.
 */
export function parseFilterText(text: string): AlertFilter {
  const f: AlertFilter = { patterns: [], severities: [], keys: [] };
  for (const term of text.trim().split(/\s+/).filter(Boolean)) {
    const m = /^([a-z]+):(.*)$/i.exec(term);
    const field = m ? m[1].toLowerCase() : 'pattern';
    const value = m ? m[2] : term;
    if (!value) throw new UsageError(`filter '${term}': nothing after '${field}:'`);
    const vals = alternatives(value);
    if (['severity', 'sev', 's'].includes(field))
      f.severities.push(...vals.map((v) => severity(v, `filter '${term}'`)));
    else if (['key', 'k'].includes(field)) f.keys.push(...vals);
    else if (['pattern', 'p'].includes(field)) f.patterns.push(...vals);
    else throw new UsageError(`filter '${term}': unknown field '${field}': use pattern:, severity: or key:`);
  }
  return f;
}

/** The filter as the prompt syntax, so the footer shows it and `f` starts from it. */
export function formatFilter(f: AlertFilter): string {
  return [
    ...(f.patterns.length ? [`pattern:${f.patterns.join(',')}`] : []),
    ...(f.severities.length ? [`severity:${f.severities.join(',')}`] : []),
    ...(f.keys.length ? [`key:${f.keys.join(',')}`] : []),
  ].join(' ');
}

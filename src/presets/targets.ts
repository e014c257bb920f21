import { evaluateThresholds, parseThreshold, type GateResult } from '../bench/gate.js';
import type { BenchReport } from '../reporting/report.js';
import type { Preset, PresetTarget } from './load.js';

/** One target of the reference document next to what the run measured. */
export interface TargetResult {
  document: string;
  line: number;
  quote: string;
  check: string | null;
  note?: string;
  /** not_measured: the run has no such figure (a sink skipped, a view off, nothing bench measures). */
  status: 'pass' | 'fail' | 'not_measured';
  measured: number | null;
  message: string;
}

/** What a report says about its preset (bench and run, text and --json). */
export interface PresetSection {
  name: string;
  file: string;
  references: string[];
  sinks: { used: string[]; skipped: { sink: string; why: string }[] };
  targets: TargetResult[];
  /** False when a measured target failed (exit 99, as for --threshold). */
  passed: boolean;
}

function evaluate(t: PresetTarget, report: BenchReport): TargetResult {
  const base = { document: t.document, line: t.line, quote: t.quote, check: t.check, note: t.note };
  if (t.check === null)
    return { ...base, status: 'not_measured', measured: null, message: 'not measured by a bench run' };
  const [g]: GateResult[] = evaluateThresholds([parseThreshold(t.check)], report);
  if (Number.isNaN(g.actual)) return { ...base, status: 'not_measured', measured: null, message: g.message };
  return { ...base, status: g.passed ? 'pass' : 'fail', measured: g.actual, message: g.message };
}

/** Checks every target of the preset against the report. */
export function presetSection(
  preset: Preset,
  sinks: PresetSection['sinks'],
  report: BenchReport,
): PresetSection {
  const targets = preset.targets.map((t) => evaluate(t, report));
  return {
    name: preset.name,
    file: preset.file,
    references: preset.references,
    sinks,
    targets,
    passed: targets.every((t) => t.status !== 'fail'),
  };
}

import type { CommandContext } from './define.js';
import type { SimulatorTopics } from '../simulator/config.js';
import type { PipelineTopics } from '../transport/topics.js';
import type { BenchReport } from '../reporting/report.js';
import { loadPipelineTopics } from '../provision/index.js';
import { presetSection, presetSinks, type PresetSection } from '../presets/index.js';

/** The pipeline's topics from --topology (or a preset's), the reference topology without it. */
export function pipelineTopicsFrom(o: { topology?: string }): PipelineTopics {
  return loadPipelineTopics(o.topology);
}

/** Where the simulator sends each event type, from the pipeline's topics. */
export function simulatorTopics(t: PipelineTopics): SimulatorTopics {
  const { events, userEvents, productView, orders } = t.names;
  return { events, userEvents, productView, orders };
}

/** The topics sink's destinations. */
export function outputTopics(t: PipelineTopics): { results: string; alerts: string } {
  return { results: t.names.results, alerts: t.names.alerts };
}

/**
 * The sinks a command builds: --sink as given, or with --preset and no --sink, the preset's sinks whose
 * address was given (the others are said to be skipped, on stderr and in the report).
 */
export function chooseSinks(ctx: CommandContext, command: string, sink: string[]): PresetSection['sinks'] {
  if (!ctx.preset) return { used: sink, skipped: [] };
  const chosen = presetSinks(ctx.preset, sink, (key) => ctx.effectiveConfig[key]?.source);
  for (const s of chosen.skipped)
    ctx.log(`rtap ${command}: preset ${ctx.preset.name}: sink ${s.sink} skipped (${s.why})`);
  return chosen;
}

/**
 * Adds the preset's targets to a report and says whether every measured one was met (exit 99 when not,
 * as for --threshold).
 */
export function checkPresetTargets(
  ctx: CommandContext,
  command: string,
  report: BenchReport,
  sinks: PresetSection['sinks'],
): boolean {
  if (!ctx.preset) return true;
  report.preset = presetSection(ctx.preset, sinks, report);
  if (report.preset.passed) return true;
  const failed = report.preset.targets.filter((t) => t.status === 'fail');
  ctx.log(
    `rtap ${command}: preset ${ctx.preset.name}: ${failed.length} of the reference's targets missed:\n  ${failed.map((f) => `${f.document}:${f.line} ${f.message}`).join('\n  ')}`,
  );
  return false;
}

/**
 * The stream-processing engine: event time and watermarks, windows (tumbling, hopping over panes, sessions),
 * dedup, aggregations and the named views of the reference documents, with per-partition state that can be
 * snapshotted and restored. The pipeline calls createEngine() and feeds it decoded events.
 */
export { createEngine } from './engine.js';
export type { Engine, EngineHooks, EngineSnapshot, EngineStats, SourcePosition } from './engine.js';
export {
  VIEW_NAMES,
  RESULT_VIEWS,
  DEFAULT_WINDOWS,
  defaultEngineConfig,
  resolveEngineConfig,
} from './config.js';
export type { EngineConfig, ViewName, WindowSizes } from './config.js';
export { tumbling, hopping, session, windowsOf, type WindowDef } from './windows.js';
export * as aggregations from './aggregations.js';
export { Hll } from './hll.js';
export { analyzeResults, type BatchReport } from './analytics.js';

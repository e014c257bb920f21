export {
  loadPreset,
  parsePreset,
  presetNames,
  presetPath,
  PRESETS_DIR,
  type Preset,
  type PresetSink,
  type PresetTarget,
} from './load.js';
export { presetSection, type PresetSection, type TargetResult } from './targets.js';
export { presetSinks, type SourceOf } from './sinks.js';
export { renderPresetSection } from './render.js';

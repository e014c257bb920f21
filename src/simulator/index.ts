/**
 * The seeded traffic simulator (docs/simulator.md): a deterministic model of website traffic, fault
 * injection, the open-loop schedule and sender, and record / replay.
 */
export {
  DEFAULT_SHARDS,
  DEFAULT_START_TIME,
  defaultSimulatorConfig,
  validateSimulatorConfig,
  type Episode,
  type SimulatorConfig,
  type SimulatorTopics,
  type TrafficProfile,
} from './config.js';
export {
  createGenerator,
  createShardGenerator,
  sumStats,
  topicFor,
  type Generator,
  type GeneratorStats,
  type SimRecord,
} from './generator.js';
export { MALFORMED_KINDS, type MalformedKind } from './faults.js';
export {
  createSchedule,
  profileRate,
  validateSchedule,
  type LoadProfile,
  type Schedule,
  type ScheduleOptions,
} from './schedule.js';
export {
  runOpenLoop,
  runSchedule,
  type PacingHooks,
  type PacingOptions,
  type PacingProgress,
  type RecordSource,
  type RunSummary,
} from './pacing.js';
export {
  MALFORMED_LINE_KEY,
  parseRecordingLine,
  readRecording,
  recordingLine,
  RecordingWriter,
  replay,
  writeRecording,
  type RecordedEntry,
  type ReplayOptions,
} from './recording.js';
export { generateRecords } from './unpaced.js';
export { shardOfIndex, shardOfKey, shardsOfThread, topicsMixingShards, usableThreads } from './sharding.js';
export { Rng } from './random.js';
export { CsvReader, CSV_COLUMNS, csvHeader, csvRow, isCsvPath } from './csv.js';

import type { SimulatorConfig } from './config.js';
import { createGenerator, type SimRecord } from './generator.js';
import { createSchedule, type ScheduleOptions } from './schedule.js';

/**
 * Unpaced generation (recording to a file, tests, checks): the same schedule as a live run decides each
 * record's intended send time, but nothing waits for it. The timeline starts at `config.startTime` (by
 * default the fixed epoch 2024-01-01T00:00:00Z), so the output depends on the configuration alone.
 */
export function* generateRecords(
  config: SimulatorConfig,
  schedule: ScheduleOptions,
): Generator<{ record: SimRecord; intended: number }> {
  const gen = createGenerator(config);
  const s = createSchedule(schedule);
  for (let offset = s.next(); offset !== null; offset = s.next()) {
    const intended = config.startTime + offset;
    yield { record: gen.next(intended), intended };
  }
}

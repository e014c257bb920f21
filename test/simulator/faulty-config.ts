import { defaultSimulatorConfig, type SimulatorConfig } from '../../src/simulator/index.js';

/** The default stream with every fault the generator knows: late, duplicate and malformed records. */
export const faultyConfig: SimulatorConfig = {
  ...defaultSimulatorConfig(),
  lateShare: 0.05,
  duplicateShare: 0.02,
  malformedShare: 0.02,
};

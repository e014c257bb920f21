export { loadTopology, parseTopology, pipelineTopicsOf, type Topology } from './topology.js';
export {
  planProvision,
  planDelete,
  effectiveSpecs,
  differences,
  type Plan,
  type TopicAction,
  type Difference,
} from './plan.js';
export { provision, type ProvisionOptions, type ProvisionResult } from './apply.js';
export { formatProvision } from './format.js';

import { fixturePath } from '../paths.js';
import { loadTopology, pipelineTopicsOf } from './topology.js';
import type { PipelineTopics } from '../transport/topics.js';
/** The topology of the reference documents. */
export const DEFAULT_TOPOLOGY = fixturePath('topology', 'default.json');

/** The pipeline topics of a topology file (the reference topology without one). */
export function loadPipelineTopics(file: string | undefined): PipelineTopics {
  return pipelineTopicsOf(loadTopology(file ?? DEFAULT_TOPOLOGY));
}

export { loadTopology, parseTopology, type Topology } from './topology.js';
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
/** The topology of the reference documents. */
export const DEFAULT_TOPOLOGY = fixturePath('topology', 'default.json');

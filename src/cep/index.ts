/**
 * Complex event processing: the .cep pattern language (docs/patterns.md), the per-key NFA matcher with
 * event-time semantics, and threshold/anomaly rules over engine view results.
 */
export type { ElementDef, Expr, PatternDefinition, SequencePattern, Template, ThresholdRule } from './ast.js';
export {
  createCep,
  interestFilter,
  type Cep,
  type CepHooks,
  type CepOptions,
  type CepSnapshot,
} from './cep.js';
export { CepSyntaxError } from './errors.js';
export { explainPattern, printExpr } from './explain.js';
export { defaultPatternDir, loadPatternFiles, parsePatterns } from './load.js';

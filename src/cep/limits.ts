/**
 * Partial matches one CEP instance (a task's, the merge step's) keeps before it evicts the oldest keys. A
 * session-keyed pattern holds a run per session for its WITHIN span: at 20,000 events/s that passes
 * 100,000 within a minute. Here apart from cep.ts so the engine config can default to it without
 * importing the matcher.
 */
export const DEFAULT_MAX_PARTIAL_MATCHES = 1_000_000;

/** The MongoDB hot store (docs/stores.md): 004's minute KPI documents, upserted by minute, with retention. */
export { createMongoSink, MongoSink, mongoClientOptions, type MongoSinkStats } from './sink.js';
export { resolveMongoOptions, MONGO_DEFAULTS, type MongoSinkOptions } from './options.js';
export { kpiDocument, resultOf, KPI_VIEW, type KpiDocument } from './documents.js';

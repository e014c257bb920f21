/** The PostgreSQL sink and store (docs/stores.md): 002's tables, upserts, and the batch report in SQL. */
export { createPostgresSink, PostgresSink, type PgSinkStats } from './sink.js';
export { resolvePgOptions, pgUrlFromEnv, type PgSinkOptions } from './options.js';
export { ddl, TABLES } from './schema.js';

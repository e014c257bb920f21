/** The Parquet cold store (docs/stores.md): final results and accepted events, hour partitions. */
export { createParquetSink, ParquetSink, type ParquetSinkOptions, type ParquetSinkStats } from './sink.js';
export { readParquetResults, partFiles } from './read.js';
export { COLUMNS } from './columns.js';

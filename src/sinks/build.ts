import { UsageError } from '../errors.js';
import { TOPICS } from '../transport/topics.js';
import type { Producer, Transport } from '../transport/types.js';
import { JsonlSink } from './jsonl.js';
import { TopicSink } from './topic.js';
import type { Sink } from './types.js';

export const SINK_KINDS = ['jsonl', 'topics', 'influx', 'postgres', 'mongo', 'parquet'] as const;

export interface SinkContext {
  transport: Transport;
  /** JSONL destination ('-' for stdout); giving it implies the jsonl sink. */
  output?: string;
  influx?: { url?: string; token?: string; org?: string; bucket?: string };
  /** PostgreSQL (002's tables): connection string (else DATABASE_URL / PG* env) and schema. */
  postgres?: { url?: string; schema?: string };
  /** MongoDB hot store (004's minute KPIs): URL and retention (ms). */
  mongo?: { url?: string; retentionMs?: number };
  /** Parquet cold store directory; giving it implies the parquet sink. */
  parquetDir?: string;
  /** Sink write latency (ms) per acknowledged request, for the sink_write histogram. */
  onWriteLatency?: (ms: number, count: number) => void;
  /** Producer for the topics sink instead of a new one (exactly-once: the checkpoint's transaction buffer). */
  resultsProducer?: Producer;
  /** The topics sink's destinations (a topology's results and alerts topics); the reference names by default. */
  topics?: { results: string; alerts: string };
}

/** The store sinks' part of a sink context, from the sink settings (src/commands/settings.ts sinkSettings). */
export function storeSinkOptions(o: {
  pgUrl?: string;
  pgSchema?: string;
  mongoUrl?: string;
  mongoRetention?: number;
  parquetDir?: string;
}): Pick<SinkContext, 'postgres' | 'mongo' | 'parquetDir'> {
  return {
    parquetDir: o.parquetDir,
    postgres: { url: o.pgUrl, schema: o.pgSchema },
    mongo: { url: o.mongoUrl, retentionMs: o.mongoRetention },
  };
}

/** Builds the sinks named by `--sink` (comma-separated); unknown names are a usage error. */
export async function buildSinks(kinds: string[], c: SinkContext): Promise<Sink[]> {
  const wanted = new Set(kinds);
  if (c.output) wanted.add('jsonl');
  if (c.parquetDir) wanted.add('parquet');
  const sinks: Sink[] = [];
  for (const kind of wanted) {
    switch (kind) {
      case 'jsonl':
        if (!c.output) throw new UsageError("--sink jsonl needs --output <file> (or '-' for stdout)");
        sinks.push(new JsonlSink(c.output));
        break;
      case 'topics':
        sinks.push(
          new TopicSink(c.resultsProducer ?? c.transport.producer({ clientId: 'rtap-results' }), {
            resultsTopic: c.topics?.results ?? TOPICS.results,
            alertsTopic: c.topics?.alerts ?? TOPICS.alerts,
          }),
        );
        break;
      case 'influx': {
        const { createInfluxSink } = await import('./influx/index.js');
        sinks.push(createInfluxSink({ ...c.influx, onWriteLatency: c.onWriteLatency }));
        break;
      }
      case 'postgres': {
        const { createPostgresSink } = await import('./postgres/index.js');
        sinks.push(await createPostgresSink({ ...c.postgres, onWriteLatency: c.onWriteLatency }));
        break;
      }
      case 'mongo': {
        const { createMongoSink } = await import('./mongo/index.js');
        sinks.push(await createMongoSink({ ...c.mongo, onWriteLatency: c.onWriteLatency }));
        break;
      }
      case 'parquet': {
        if (!c.parquetDir) throw new UsageError('--sink parquet needs --parquet-dir <dir>');
        const { createParquetSink } = await import('./parquet/index.js');
        sinks.push(createParquetSink({ dir: c.parquetDir }));
        break;
      }
      default:
        throw new UsageError(`unknown sink '${kind}'`, `sinks: ${SINK_KINDS.join(', ')}`);
    }
  }
  return sinks;
}

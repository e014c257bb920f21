import kafkajs, { type logCreator } from 'kafkajs';

const { logLevel } = kafkajs;

export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export const KAFKA_LOG_LEVELS: Record<KafkaLogLevel, number> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

const NAMES: Record<number, string> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * kafkajs logs JSON objects to the console by default, including connection errors it then retries.
 * rtap reports failures itself (with clear messages), so the client's log is off unless asked for
 * (`RTAP_KAFKA_LOG=warn|info|debug`), and then written as one plain line each to `sink` (stderr).
 */
export function plainLogCreator(sink: (line: string) => void): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const {
        message,
        timestamp: _t,
        logger: _l,
        ...rest
      } = log as { message: string; timestamp?: string; logger?: string } & Record<string, unknown>;
      const extra = Object.entries(rest)
        .filter(([k]) => k !== 'stack')
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      sink(`kafkajs ${NAMES[level] ?? level} [${namespace}] ${message}${extra ? ` (${extra})` : ''}`);
    };
}

export function levelFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaLogLevel {
  const v = env.RTAP_KAFKA_LOG?.toLowerCase();
  return v && v in KAFKA_LOG_LEVELS ? (v as KafkaLogLevel) : 'nothing';
}

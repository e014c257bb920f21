import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { duration } from '../config/values.js';
import type { TopicSpec } from '../transport/types.js';
import {
  TOPIC_ROLES,
  TOPICS,
  DEFAULT_PARTITIONS,
  type PipelineTopics,
  type TopicRole,
} from '../transport/topics.js';
import { parseJsonFile } from '../files/json.js';

/**
 * A topology file: the topics rtap provisions. Per topic: name, partitions, replicationFactor (or the
 * file's default), retention ("7d", "36h", or ms), cleanupPolicy and any other Kafka topic config.
 *
 *   { "defaults": { "replicationFactor": 3 },
 *     "topics": [ { "name": "orders", "partitions": 3, "retention": "30d", "cleanupPolicy": "delete",
 *                   "config": { "min.insync.replicas": "2" } } ] }
 *
 * A topic may say what the pipeline uses it for ("role": events, userEvents, productView, orders,
 * deadLetter, results, alerts); a topic named as in the reference documents has that role without saying.
 */
export interface Topology {
  file: string;
  description?: string;
  topics: TopicSpec[];
  /** The role of each topic that has one (explicit, or by its reference name). */
  roles: Partial<Record<TopicRole, string>>;
}

const CLEANUP = ['delete', 'compact', 'compact,delete'];
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const TOPIC_KEYS = new Set([
  'name',
  'description',
  'partitions',
  'replicationFactor',
  'retention',
  'cleanupPolicy',
  'config',
  'role',
]);
const ROLE_OF_NAME = new Map<string, TopicRole>(
  (Object.entries(TOPICS) as [TopicRole, string][]).map(([role, name]) => [name, role]),
);

function fail(file: string, path: string, message: string): never {
  throw new UsageError(`${file}: ${path}: ${message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function wholeNumber(file: string, path: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    fail(file, path, `expected a whole number ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
}

function retentionMs(file: string, path: string, v: unknown): string {
  if (v === -1 || v === '-1' || v === 'forever') return '-1';
  if (typeof v === 'number') return String(wholeNumber(file, path, v, 1));
  if (typeof v !== 'string')
    fail(file, path, `expected a duration like "7d" or "36h", or milliseconds, got ${JSON.stringify(v)}`);
  try {
    return String(Math.round(duration(v, path)));
  } catch {
    fail(file, path, `expected a duration like "7d" or "36h", or milliseconds, got ${JSON.stringify(v)}`);
  }
}

/** Validates parsed JSON; every error names the file and the JSON path of the offending value. */
export function parseTopology(json: unknown, file: string): Topology {
  if (!isObject(json)) fail(file, '/', 'expected an object with a "topics" array');
  for (const k of Object.keys(json))
    if (!['description', 'defaults', 'topics'].includes(k))
      fail(file, `/${k}`, 'unknown key (expected description, defaults, topics)');
  let defaultRf = 1;
  if (json.defaults !== undefined) {
    if (!isObject(json.defaults)) fail(file, '/defaults', 'expected an object');
    for (const k of Object.keys(json.defaults))
      if (k !== 'replicationFactor') fail(file, `/defaults/${k}`, 'unknown key (expected replicationFactor)');
    if (json.defaults.replicationFactor !== undefined)
      defaultRf = wholeNumber(file, '/defaults/replicationFactor', json.defaults.replicationFactor, 1);
  }
  if (!Array.isArray(json.topics) || json.topics.length === 0)
    fail(file, '/topics', 'expected a non-empty array of topics');
  const seen = new Set<string>();
  const roles: Partial<Record<TopicRole, string>> = {};
  const roleAt: Partial<Record<TopicRole, string>> = {};
  const topics = json.topics.map((t: unknown, i: number): TopicSpec => {
    const at = `/topics/${i}`;
    if (!isObject(t)) fail(file, at, 'expected an object');
    for (const k of Object.keys(t))
      if (!TOPIC_KEYS.has(k))
        fail(file, `${at}/${k}`, `unknown key (expected one of ${[...TOPIC_KEYS].join(', ')})`);
    if (typeof t.name !== 'string' || !TOPIC_NAME.test(t.name))
      fail(
        file,
        `${at}/name`,
        `expected a topic name of letters, digits, '.', '_' or '-', got ${JSON.stringify(t.name)}`,
      );
    if (seen.has(t.name)) fail(file, `${at}/name`, `topic '${t.name}' is listed twice`);
    seen.add(t.name);
    if (t.role !== undefined) {
      if (typeof t.role !== 'string' || !(TOPIC_ROLES as readonly string[]).includes(t.role))
        fail(file, `${at}/role`, `expected one of ${TOPIC_ROLES.join(', ')}, got ${JSON.stringify(t.role)}`);
      const role = t.role as TopicRole;
      if (roleAt[role]) fail(file, `${at}/role`, `role '${role}' is already taken by ${roleAt[role]}`);
      roles[role] = t.name;
      roleAt[role] = `${at} (${t.name})`;
    }
    const config: Record<string, string> = {};
    if (t.config !== undefined) {
      if (!isObject(t.config)) fail(file, `${at}/config`, 'expected an object of Kafka topic configs');
      for (const [k, v] of Object.entries(t.config)) {
        if (!['string', 'number', 'boolean'].includes(typeof v))
          fail(file, `${at}/config/${k}`, `expected a string, number or boolean, got ${JSON.stringify(v)}`);
        config[k] = String(v);
      }
    }
    if (t.retention !== undefined) config['retention.ms'] = retentionMs(file, `${at}/retention`, t.retention);
    if (t.cleanupPolicy !== undefined) {
      if (typeof t.cleanupPolicy !== 'string' || !CLEANUP.includes(t.cleanupPolicy))
        fail(
          file,
          `${at}/cleanupPolicy`,
          `expected one of ${CLEANUP.join(', ')}, got ${JSON.stringify(t.cleanupPolicy)}`,
        );
      config['cleanup.policy'] = t.cleanupPolicy;
    }
    return {
      name: t.name,
      partitions: wholeNumber(file, `${at}/partitions`, t.partitions, 1),
      replicationFactor:
        t.replicationFactor === undefined
          ? defaultRf
          : wholeNumber(file, `${at}/replicationFactor`, t.replicationFactor, 1),
      config,
    };
  });
  // A reference name gives its role unless another topic claimed that role explicitly.
  for (const t of topics) {
    const role = ROLE_OF_NAME.get(t.name);
    if (role && !roles[role] && !Object.values(roles).includes(t.name)) roles[role] = t.name;
  }
  return {
    file,
    description: typeof json.description === 'string' ? json.description : undefined,
    topics,
    roles,
  };
}

/**
 * The pipeline's topics from a topology: the events topic is required; EventFlow's topics fall back to
 * it (004 sends every event type to events_raw); dead letters, results and alerts fall back to the
 * reference names, which the embedded log then creates with the reference partition counts.
 */
export function pipelineTopicsOf(t: Topology): PipelineTopics {
  // EventFlow's topology (002) has no website stream: its first topic takes what the website mix sends.
  const events = t.roles.events ?? t.roles.userEvents ?? t.roles.productView ?? t.roles.orders;
  if (!events)
    throw new UsageError(
      `${t.file}: /topics: no topic for the events (give one "role": "events", or name it ${TOPICS.events})`,
    );
  const names = {
    events,
    userEvents: t.roles.userEvents ?? events,
    productView: t.roles.productView ?? events,
    orders: t.roles.orders ?? events,
    deadLetter: t.roles.deadLetter ?? TOPICS.deadLetter,
    results: t.roles.results ?? TOPICS.results,
    alerts: t.roles.alerts ?? TOPICS.alerts,
  };
  const partitions: Record<string, number> = {};
  for (const name of Object.values(names)) partitions[name] = DEFAULT_PARTITIONS[name] ?? 1;
  for (const spec of t.topics) partitions[spec.name] = spec.partitions;
  return { names, partitions };
}

export function loadTopology(file: string): Topology {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read topology file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
  return parseTopology(parseJsonFile(text, file), file);
}

import type { CommandDefinition } from './define.js';
import { alerts } from './alerts/index.js';
import { bench } from './bench/index.js';
import { dashboard } from './dashboard/index.js';
import { patterns } from './patterns/index.js';
import { process_ } from './process/index.js';
import { provision } from './provision/index.js';
import { report } from './report/index.js';
import { run } from './run/index.js';
import { simulate } from './simulate/index.js';
import { stack } from './stack/index.js';

/**
 * Every subcommand of `rtap`. Definitions are light (settings and help); each `run` imports its
 * implementation lazily, so starting one command never loads another's dependencies.
 */
export const COMMANDS: CommandDefinition[] = [
  alerts,
  bench,
  dashboard,
  patterns,
  process_,
  provision,
  report,
  run,
  simulate,
  stack,
] as CommandDefinition[];

import type { CommandDefinition } from './define.js';
import { alerts } from './alerts.js';
import { bench } from './bench.js';
import { dashboard } from './dashboard.js';
import { patterns } from './patterns.js';
import { process_ } from './process.js';
import { provision } from './provision.js';
import { report } from './report.js';
import { run } from './run.js';
import { simulate } from './simulate.js';
import { stack } from './stack.js';

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

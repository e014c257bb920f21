import type { CommandDefinition } from './define.js';
import { bench } from './bench.js';
import { process_ } from './process.js';
import { provision } from './provision.js';
import { simulate } from './simulate.js';
import { stack } from './stack.js';

/**
 * Every subcommand of `rtap`. Definitions are light (settings and help); each `run` imports its
 * implementation lazily, so starting one command never loads another's dependencies.
 */
export const COMMANDS: CommandDefinition[] = [bench, process_, provision, simulate, stack] as CommandDefinition[];

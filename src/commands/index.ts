import type { CommandDefinition } from './define.js';
import { bench } from './bench.js';
import { process_ } from './process.js';
import { simulate } from './simulate.js';

/**
 * Every subcommand of `rtap`. Definitions are light (settings and help); each `run` imports its
 * implementation lazily, so starting one command never loads another's dependencies.
 */
export const COMMANDS: CommandDefinition[] = [bench, process_, simulate] as CommandDefinition[];

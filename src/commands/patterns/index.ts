import { defineCommand } from '../define.js';

const check = defineCommand({
  name: 'check',
  summary: 'validate .cep pattern files and explain each pattern (states and transitions)',
  description:
    'Parses and checks the given .cep files (or directories of them; default: the shipped reference alerts in fixtures/patterns) and prints each pattern as its NFA: states, transitions, contiguity, absence and timeouts, and each RULE with its view and baseline. A mistake is reported with file, line, column and a caret, and exits with code 2. The language is described in docs/patterns.md.',
  examples: [
    'rtap patterns check my-alerts.cep',
    'rtap patterns check fixtures/patterns/',
    'rtap --json patterns check alerts/',
  ],
  args: [
    {
      name: 'files',
      description: '.cep files or directories (default: the shipped patterns)',
      variadic: true,
    },
  ],
  settings: {},
  async run(_options, ctx) {
    const { patternsCheckCommand } = await import('./wiring.js');
    return patternsCheckCommand(ctx);
  },
});

export const patterns = defineCommand({
  name: 'patterns',
  summary: 'work with CEP pattern files (.cep)',
  examples: ['rtap patterns check my-alerts.cep'],
  settings: {},
  subcommands: [check],
});

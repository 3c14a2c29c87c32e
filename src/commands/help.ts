import type { CommandSpec } from './spec.js';

export interface HelpCommand {
  name: 'help';
  topic?: string;
}

export const help: CommandSpec<HelpCommand> = {
  name: 'help',
  summary: 'What carbon-ops can do, or the usage of one command.',
  usage: 'help [COMMAND]',
  examples: ['help', 'help health'],
  build: ({ positionals }) => ({ name: 'help', ...(positionals[0] ? { topic: positionals[0].toLowerCase() } : {}) }),
};

import type { HelpCommand } from '../contracts/commands.js';
import type { CommandSpec } from '../commands/spec.js';
import type { Answer } from './dispatch.js';

export const help: CommandSpec<HelpCommand, Answer<HelpCommand>> = {
  route: () => ({ answer: answerHelp }),
  name: 'help',
  summary: 'What carbon-ops can do, or the usage of one command.',
  usage: 'help [COMMAND]',
  examples: ['help', 'help health'],
  words: ['COMMAND?'],
  build: ({ positionals }) => ({ name: 'help', ...(positionals[0] ? { topic: positionals[0].toLowerCase() } : {}) }),
};

/** The help text from the command table, to the asker only. */
const answerHelp: Answer<HelpCommand> = async (command, { deps, whisper }) => {
  await whisper({ text: deps.commands.help(command.topic) });
  return { kind: 'answered', command };
};

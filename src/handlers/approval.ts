import type { ApproveCommand, DenyCommand } from '../contracts/commands.js';
import type { Answer } from './dispatch.js';
import { UsageError } from '../errors.js';
import { REQUEST_ID } from '../approvals/request-id.js';
import { shown, stringOption, type CommandSpec, type ParsedArgs } from '../commands/spec.js';

/** The answers, with every approval kind's action behind them: loaded when someone approves or denies. */
const answers = () => import('./approval-answers.js');

function requestId(args: ParsedArgs, usage: string): string {
  const [id] = args.positionals;
  if (id === undefined) throw new UsageError(`Which request? Usage: \`/carbon ${usage}\` (the id is in the plan).`);
  const normalized = id.toLowerCase();
  if (!REQUEST_ID.test(normalized)) throw new UsageError(`\`${shown(id)}\` is not a request id (like \`k7m2p9xq\`).`);
  return normalized;
}

/** The command of a click on Approve or Deny: its verb, and the request id the button carries. */
export function decisionCommand(verb: 'approve' | 'deny', value: string | undefined): ApproveCommand | DenyCommand {
  const usage = verb === 'approve' ? approve.usage : deny.usage;
  return { name: verb, id: requestId({ values: {}, positionals: value ? [value] : [] }, usage) };
}

export const approve: CommandSpec<ApproveCommand, Answer<ApproveCommand>> = {
  route: () => ({ answer: async (command, ctx) => (await answers()).answerApprove(command, ctx) }),
  name: 'approve',
  summary: 'Approve someone else’s request: a restart, a Vault migration (the Approve button does the same).',
  usage: 'approve REQUEST_ID',
  examples: ['approve k7m2p9xq'],
  words: ['REQUEST_ID'],
  build(args) {
    return { name: 'approve', id: requestId(args, this.usage) };
  },
  describe: (command) => ({ line: `approve ${command.id}` }),
};

export const deny: CommandSpec<DenyCommand, Answer<DenyCommand>> = {
  route: () => ({ answer: async (command, ctx) => (await answers()).answerDeny(command, ctx) }),
  name: 'deny',
  summary: 'Deny a request (restart, Vault migration), or cancel your own (the Deny button does the same).',
  usage: 'deny REQUEST_ID [--reason "WHY"]',
  examples: ['deny k7m2p9xq', 'deny k7m2p9xq --reason "the query backlog cleared"'],
  options: { reason: { type: 'string' } },
  words: ['REQUEST_ID'],
  build(args) {
    const reason = stringOption(args, 'reason')?.replace(/\s+/g, ' ').trim().slice(0, 300);
    return { name: 'deny', id: requestId(args, this.usage), ...(reason ? { reason } : {}) };
  },
  describe: (command) => ({ line: `deny ${command.id}`, ...(command.reason ? { reason: command.reason } : {}) }),
};

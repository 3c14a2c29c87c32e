import { UsageError } from '../errors.js';
import { shown, stringOption, type CommandSpec, type ParsedArgs } from './spec.js';

export interface ApproveCommand {
  name: 'approve';
  id: string;
}

export interface DenyCommand {
  name: 'deny';
  id: string;
  reason?: string;
}

/** Request ids (restarts, Vault migrations: any approval request): short enough to type, e.g. `k7m2p9xq`. */
export const REQUEST_ID = /^[a-z0-9]{6,20}$/;

function requestId(args: ParsedArgs, usage: string): string {
  const [id, extra] = args.positionals;
  if (id === undefined) throw new UsageError(`Which request? Usage: \`/carbon ${usage}\` (the id is in the plan).`);
  if (extra !== undefined) throw new UsageError(`Unexpected \`${shown(extra)}\`. Usage: \`/carbon ${usage}\``);
  const normalized = id.toLowerCase();
  if (!REQUEST_ID.test(normalized)) throw new UsageError(`\`${shown(id)}\` is not a request id (like \`k7m2p9xq\`).`);
  return normalized;
}

export const approve: CommandSpec<ApproveCommand> = {
  name: 'approve',
  summary: 'Approve someone else’s request: a restart, a Vault migration (the Approve button does the same).',
  usage: 'approve REQUEST_ID',
  examples: ['approve k7m2p9xq'],
  build(args) {
    return { name: 'approve', id: requestId(args, this.usage) };
  },
  describe: (command) => ({ line: `approve ${command.id}` }),
};

export const deny: CommandSpec<DenyCommand> = {
  name: 'deny',
  summary: 'Deny a request (restart, Vault migration), or cancel your own (the Deny button does the same).',
  usage: 'deny REQUEST_ID [--reason "WHY"]',
  examples: ['deny k7m2p9xq', 'deny k7m2p9xq --reason "the query backlog cleared"'],
  options: { reason: { type: 'string' } },
  build(args) {
    const reason = stringOption(args, 'reason')?.replace(/\s+/g, ' ').trim().slice(0, 300);
    return { name: 'deny', id: requestId(args, this.usage), ...(reason ? { reason } : {}) };
  },
  describe: (command) => ({ line: `deny ${command.id}`, ...(command.reason ? { reason: command.reason } : {}) }),
};

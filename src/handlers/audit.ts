import type { AuditCommand } from '../contracts/commands.js';
import { auditMessage } from '../features/restart/render.js';
import type { Answer } from './dispatch.js';
import { UsageError } from '../errors.js';
import { shown, stringOption, type CommandSpec } from '../commands/spec.js';
import { parseDuration, UNITS } from '../commands/duration.js';

export const AUDIT_DEFAULT_LIMIT = 20;
export const AUDIT_MAX_LIMIT = 100;

export const audit: CommandSpec<AuditCommand, Answer<AuditCommand>> = {
  route: () => ({ answer: answerAudit }),
  name: 'audit',
  summary: 'Recent entries of the audit trail: every restart asked, approved, denied, expired, run.',
  usage: 'audit [--since 24h] [--user ID] [--action restart] [--limit N]',
  examples: ['audit', 'audit --since 7d --action restart', 'audit --user U0OPERATOR'],
  options: {
    since: { type: 'string' },
    user: { type: 'string' },
    action: { type: 'string' },
    limit: { type: 'string' },
  },
  build(args) {
    const since = stringOption(args, 'since');
    const user = stringOption(args, 'user')?.toUpperCase();
    const action = stringOption(args, 'action')?.toLowerCase();
    const limitText = stringOption(args, 'limit');
    if (user !== undefined && !/^[UW][A-Z0-9]{2,20}$/.test(user))
      throw new UsageError(`\`${shown(user)}\` is not a Slack user ID (U… or W…).`);
    if (action !== undefined && !/^[a-z][a-z-]{1,30}$/.test(action))
      throw new UsageError(`\`${shown(action)}\` is not a command name, e.g. restart.`);
    const limit = limitText === undefined ? AUDIT_DEFAULT_LIMIT : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_MAX_LIMIT)
      throw new UsageError(`--limit takes a whole number from 1 to ${AUDIT_MAX_LIMIT}.`);
    return {
      name: 'audit',
      sinceMs: since === undefined ? UNITS.d! : parseDuration(since),
      ...(user !== undefined ? { user } : {}),
      ...(action !== undefined ? { action } : {}),
      limit,
    };
  },
};

/** `/carbon audit`: the newest entries, shown to the asker only. */
export const answerAudit: Answer<AuditCommand> = async (command, { deps, whisper }) => {
  const since = new Date(Date.now() - command.sinceMs);
  const rows = await deps.store.audit.list(
    { since, ...(command.user ? { user: command.user } : {}), ...(command.action ? { action: command.action } : {}) },
    command.limit,
  );
  const scope = [
    `since ${since.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    command.user && `user ${command.user}`,
    command.action && `action ${command.action}`,
  ]
    .filter(Boolean)
    .join(' · ');
  await whisper(auditMessage(rows, scope));
  return { kind: 'answered', command };
};

import { UsageError } from '../errors.js';
import { noPositionals, shown, stringOption, type CommandSpec } from './spec.js';

export interface AuditCommand {
  name: 'audit';
  /** How far back, in milliseconds. */
  sinceMs: number;
  user?: string;
  action?: string;
  limit: number;
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The longest look back: a year. Exports of longer spans go through `carbon audit export`. */
export const MAX_SINCE_MS = 366 * UNITS.d!;

/** `30m`, `24h`, `7d`, `2w`: a positive amount of one unit. */
export function parseDuration(text: string): number {
  const match = /^(\d{1,6})([smhdw])$/.exec(text.trim().toLowerCase());
  const ms = match ? Number(match[1]) * UNITS[match[2]!]! : NaN;
  if (!(ms > 0) || ms > MAX_SINCE_MS)
    throw new UsageError(`\`${shown(text)}\` is not a duration like 30m, 24h, 7d or 2w (at most a year).`);
  return ms;
}

export const AUDIT_DEFAULT_LIMIT = 20;
export const AUDIT_MAX_LIMIT = 100;

export const audit: CommandSpec<AuditCommand> = {
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
    noPositionals(args, this.usage);
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

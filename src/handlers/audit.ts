import { expireAllDue } from '../app/approval-kinds.js';
import type { AuditCommand } from '../commands/audit.js';
import { auditMessage } from '../features/restart/render.js';
import type { Answer } from './answers.js';

/** `/carbon audit`: the newest entries, shown to the asker only. */
export const answerAudit: Answer<AuditCommand> = async (command, { deps, whisper }) => {
  await expireAllDue(deps.store, deps.chat, deps.log);
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

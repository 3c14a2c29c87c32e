import type { Chat } from '../integrations/slack.js';
import type { CommandQueue } from '../jobs/queue.js';
import type { Logger } from '../log.js';
import { PHASE_APPLY_KIND } from '../features/phases/approval.js';
import { RESTART_KIND } from '../features/restart/approval.js';
import type { ApprovalRequest } from '../approvals/store.js';
import type { Store } from './store.js';
import { VAULT_MIGRATE_KIND } from '../features/vault/approval.js';
import type { ApprovalKind } from '../approvals/index.js';
import { recordLateFailures } from '../approvals/fail.js';
import { settleOverdue } from '../approvals/recover.js';
import type { ScheduledJobDefinition } from '../jobs/job.js';

/**
 * Every kind of approval request: `approve ID` and `deny ID` find a request of any kind here, and the
 * sweep settles each. (Each kind's jobs are in app/jobs.ts, from its GatedAction.)
 */
export const APPROVAL_KINDS = [
  RESTART_KIND,
  PHASE_APPLY_KIND,
  VAULT_MIGRATE_KIND,
] as unknown as readonly ApprovalKind[];

/** How an id that matches no request is named: "restart request or Vault migration". */
export const anyRequestNoun = (): string => APPROVAL_KINDS.map((k) => k.noun).join(' or ');

/** The request with this id, of whatever kind. */
export async function findRequest(
  store: Store,
  id: string,
): Promise<{ kind: ApprovalKind; request: ApprovalRequest } | undefined> {
  for (const kind of APPROVAL_KINDS) {
    const request = await kind.requests(store).get(id);
    if (request !== undefined) return { kind, request };
  }
  return undefined;
}

/**
 * The sweep: writes the `failed` rows the audit refused when their requests failed (approvals/fail.ts),
 * expires every kind's overdue requests and shows it in their threads (the buttons go), and
 * finds the requests that lost their follow-up job (approvals/recover.ts): an approved one
 * gets its job again, a running one whose job failed or is gone ends as failed, so neither holds its
 * target for ever.
 */
export async function sweepApprovals(store: Store, chat: Chat, log: Logger, queue: CommandQueue): Promise<void> {
  for (const kind of APPROVAL_KINDS) {
    await recordLateFailures(kind, { store, log });
    await settleOverdue(kind, { store, chat, queue, log });
  }
}

/**
 * Every SWEEP_EVERY_MS, on one worker: expires the overdue requests of every kind and finds the ones that
 * lost their follow-up job (approvals/recover.ts). The per-request expiry jobs do the same on time; this
 * is the safety net for a job lost with Redis or a process that died between two steps.
 */
export const approvalsSweep: ScheduledJobDefinition = {
  attempts: 1,
  quiet: true,
  async run({ deps, log }) {
    await sweepApprovals(deps.store, deps.chat, log, deps.queue);
    return 'approval requests swept';
  },
};

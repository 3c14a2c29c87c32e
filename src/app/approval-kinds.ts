import type { Chat } from '../integrations/slack.js';
import type { CommandQueue } from '../jobs/queue.js';
import type { Logger } from '../log.js';
import { PHASE_APPLY_KIND } from '../features/phases/approval.js';
import { RESTART_KIND } from '../features/restart/approval.js';
import type { ApprovalRequest } from '../approvals/store.js';
import type { Store } from './store.js';
import { VAULT_MIGRATE_KIND } from '../features/vault/approval.js';
import { type ApprovalKind } from '../approvals/index.js';
import { settleOverdue } from '../approvals/recover.js';
import type { ScheduledJobDefinition } from '../jobs/job.js';

/** One entry per kind; the union keeps each kind's own request type. */
type AnyKind = typeof RESTART_KIND | typeof PHASE_APPLY_KIND | typeof VAULT_MIGRATE_KIND;

/** Every kind of approval request, so `approve ID`, `deny ID` and expiry work for all of them. */
export const APPROVAL_KINDS: readonly AnyKind[] = [RESTART_KIND, PHASE_APPLY_KIND, VAULT_MIGRATE_KIND];

export function kindFor(action: string): ApprovalKind {
  const kind = APPROVAL_KINDS.find((k) => k.action === action);
  if (kind === undefined) throw new Error(`No approval kind for ${action}`);
  return kind as unknown as ApprovalKind;
}

/** How an id that matches no request is named: "restart request or Vault migration". */
export const anyRequestNoun = (): string => APPROVAL_KINDS.map((k) => k.noun).join(' or ');

/** The request with this id, of whatever kind. */
export async function findRequest(
  store: Store,
  id: string,
): Promise<{ kind: ApprovalKind; request: ApprovalRequest } | undefined> {
  for (const kind of APPROVAL_KINDS as unknown as ApprovalKind[]) {
    const request = await kind.requests(store).get(id);
    if (request !== undefined) return { kind, request };
  }
  return undefined;
}

/**
 * The sweep: expires every kind's overdue requests and shows it in their threads (the buttons go), and
 * finds the requests that lost their follow-up job (approvals/recover.ts): an approved one
 * gets its job again, a running one whose job failed or is gone ends as failed, so neither holds its
 * target for ever.
 */
export async function sweepApprovals(store: Store, chat: Chat, log: Logger, queue: CommandQueue): Promise<void> {
  for (const kind of APPROVAL_KINDS as unknown as ApprovalKind[]) {
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
  async run({ deps, log }) {
    await sweepApprovals(deps.store, deps.chat, log, deps.queue);
    return 'approval requests swept';
  },
};

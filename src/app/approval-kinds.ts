import { PHASE_APPLY } from '../features/phases/action.js';
import { RESTART } from '../features/restart/action.js';
import { VAULT_MIGRATE } from '../features/vault/action.js';
import type { ApprovalRequest } from '../approvals/store.js';
import type { Store } from './store.js';
import type { ApprovalKind } from '../approvals/index.js';
import { settleOverdue, type Recoverable } from '../approvals/recover.js';
import type { JobDeps, ScheduledJobDefinition } from '../jobs/job.js';

/**
 * Every approval-gated action (restart, phase apply, Vault migration): the sweep settles each, with
 * its reading of the world for a lost follow-up. (Each one's jobs are in app/jobs.ts.)
 */
const APPROVAL_ACTIONS = [RESTART, PHASE_APPLY, VAULT_MIGRATE] as unknown as readonly Recoverable[];

/** Every kind of approval request: `approve ID` and `deny ID` find a request of any kind here. */
export const APPROVAL_KINDS: readonly ApprovalKind[] = APPROVAL_ACTIONS.map((action) => action.kind);

/** How an id that matches no request is named: "restart request or Vault migration". */
export const anyRequestNoun = (): string => APPROVAL_KINDS.map((k) => k.noun).join(' or ');

/** Every kind's requests by state, for carbon_approval_requests (read at each scrape). */
export async function approvalCounts(store: Store): Promise<{ kind: string; state: string; count: number }[]> {
  const counts = await Promise.all(
    APPROVAL_KINDS.map(async (kind) =>
      (await kind.requests(store).countByState()).map((row) => ({ kind: kind.action, ...row })),
    ),
  );
  return counts.flat();
}

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
 * settles the requests that lost their follow-up job (approvals/recover.ts): an approved one gets its
 * job again; a running one is finished with the outcome the cluster shows when its work is done,
 * resumed when its job is gone, else ends as failed; so none holds its target for ever.
 */
export async function sweepApprovals(deps: JobDeps): Promise<void> {
  for (const action of APPROVAL_ACTIONS) {
    await settleOverdue(action, deps);
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
    await sweepApprovals({ ...deps, log });
    return 'approval requests swept';
  },
};

import type { JobDeps } from '../jobs/job.js';
/**
 * Approval requests of any kind: who asked, for what, how many approvals it needs and has, until when;
 * the two-person rule; Approve and Deny buttons, `approve ID` and `deny ID`; expiry; every step a
 * conditional UPDATE with its audit row. Restarts, Vault migrations and phase applies use it.
 *
 * How to add a kind:
 *  1. Migration: a table with APPROVAL_COLUMNS (store/migrations/approval-tables.ts) plus your own, and
 *     `approvalIndexes(table, what it acts on)`: one open request at a time, and the expiry index.
 *  2. Repository: `class Xs extends ApprovalRequests<X>` with an ApprovalTable (table, audit action,
 *     fromRow, describe, and `actsOn`: the columns of its one-open index), a typed `create()` that calls
 *     `this.insert(...)` (RequestBusy when the target is held) and a `start()` that calls `begin(...)`.
 *     Add it to the Store (app/store.ts).
 *  3. The kind's words (an ApprovalKind, below) and its action (a GatedAction, gated-action.ts): the
 *     pre-flight `plan`, `begin`, `act`, and the follow-up and expiry job names. Add the job names to
 *     src/contracts/jobs.ts, the three jobs of `gatedJobs(action)` to app/jobs.ts, and the action to
 *     APPROVAL_ACTIONS in app/approval-kinds.ts. The approve/deny handlers and the sweep need nothing more;
 *     an `outcome` lets the sweep read a lost follow-up's outcome from the world (recover.ts).
 */
import type { Chat } from '../integrations/slack.js';
import type { JobData, Requester, RequestJobName } from '../contracts/jobs.js';
import type { CommandQueue } from '../jobs/queue.js';
import type { Logger } from '../log.js';
import { utc, type Message } from '../message.js';
import { newRequestId } from './request-id.js';
import type { ApprovalRequest, ApprovalRequests, NewApproval } from './store.js';

export interface ApprovalKind<R extends ApprovalRequest = ApprovalRequest> {
  /** The audit action and the repository's, e.g. `restart`. */
  action: string;
  /** How a request of this kind is named: `restart request`. */
  noun: string;
  /** What it does, for sentences like "the restart of deployment/x has finished". */
  thing(request: R): string;
  /** The command to ask again, e.g. `/carbon restart`. */
  askAgain: string;
  /** Said after a deny: "Nothing was restarted." */
  nothingDone: string;
  requests(store: JobDeps['store']): ApprovalRequests<R>;
  planMessage(request: R): Message;
  statusMessage(request: R): Message;
  approvedMessage(request: R): Message;
  /** The job that acts once the approvals are in; its id is `<job>-<request id>`, so it runs once. */
  followUp: RequestJobName;
  /** The delayed job that expires the request if it is still pending then; id `<job>-<request id>`. */
  expireJob: RequestJobName;
}

// Plain Slack IDs, not <@mentions>: refusals are escaped as text when shown.

/**
 * Why an approval by `user` did not count, in words for the person who clicked. Pure: the stored
 * request as it is now (after the conditional UPDATE refused the approval) and who tried.
 */
export function approvalRefusal<R extends ApprovalRequest>(
  kind: Pick<ApprovalKind<R>, 'noun' | 'thing' | 'askAgain'>,
  request: R | undefined,
  id: string,
  user: string,
  now: Date = new Date(),
): string {
  if (request === undefined) return `There is no ${kind.noun} ${id}.`;
  const thing = kind.thing(request);
  switch (request.state) {
    case 'pending':
      if (request.requestedBy === user)
        return `You asked for this ${thing}: the approval must come from someone else (two-person rule).`;
      if (request.approvedBy.includes(user)) {
        return (
          `You have already approved request ${id}; ` +
          `it needs ${request.approvalsRequired - request.approvedBy.length} more approval(s) ` +
          'from other approvers.'
        );
      }
      if (request.expiresAt <= now)
        return `Request ${id} expired at ${utc(request.expiresAt)}; ask again with \`${kind.askAgain}\`.`;
      return `Request ${id} could not be approved just now; try again.`;
    case 'approved':
    case 'running':
      return (
        `Request ${id} is already approved (by ${request.approvedBy.join(', ') || 'the policy'}); ` +
        `the ${thing} is ${request.state === 'running' ? 'running' : 'starting'}. Nothing more to do.`
      );
    case 'succeeded':
    case 'failed':
      return (
        `Request ${id} was already approved and the ${thing} ` +
        `has ${request.state === 'succeeded' ? 'finished' : 'failed'}.`
      );
    case 'rejected':
      return (
        `Request ${id} was ${request.decidedBy === request.requestedBy ? 'cancelled' : 'denied'} ` +
        `by ${request.decidedBy ?? '?'}: it can no longer be approved.`
      );
    case 'expired': {
      const at = utc(request.expiresAt);
      return `Request ${id} expired at ${at} without approval; ask again with \`${kind.askAgain}\`.`;
    }
  }
}

/** Why a deny by `user` did nothing. */
export function denyRefusal(
  kind: Pick<ApprovalKind, 'noun'>,
  request: ApprovalRequest | undefined,
  id: string,
  user: string,
  asApprover: boolean,
): string {
  if (request === undefined) return `There is no ${kind.noun} ${id}.`;
  if (request.state !== 'pending')
    return `Request ${id} is no longer awaiting approval (it is ${request.state}): nothing to deny.`;
  if (!asApprover && request.requestedBy !== user)
    return `Only the requester or someone with the approver role may deny request ${id}.`;
  return `Request ${id} could not be denied just now; try again.`;
}

/**
 * Shows where a request stands: in its status line, and with `decided` also in the plan, whose buttons
 * go once it is approved, denied or expired. Best effort: a Slack hiccup must not undo a stored decision.
 */
export async function showRequest<R extends ApprovalRequest>(
  chat: Chat,
  kind: ApprovalKind<R>,
  request: R,
  log: Logger,
  options: { decided?: boolean } = {},
): Promise<void> {
  const edits = [chat.update(request.channel, request.statusTs, kind.statusMessage(request))];
  if (options.decided && request.planTs !== undefined)
    edits.push(chat.update(request.channel, request.planTs, kind.planMessage(request)));
  const results = await Promise.allSettled(edits);
  for (const result of results) {
    if (result.status === 'rejected')
      log.warn({ err: result.reason, request: request.id }, `could not update a ${kind.noun} message`);
  }
}

/** How a request that holds its target is described to the next person who asks for the same target. */
export const holdingState = (request: Pick<ApprovalRequest, 'state'>): string =>
  request.state === 'pending' ? 'awaiting approval' : 'in progress';

export const approvalsAsked = (data: Pick<JobData, 'authorization'>): number => data.authorization?.approvals ?? 1;

/**
 * The approval columns of the request a planning job is about to create: a new id, the job (so a retried
 * job finds its request), the expiry, the requester, the thread and "queued" message it is shown in, and
 * the approvals the policy asked for.
 */
export function newApproval(jobId: string, data: JobData, expiryMinutes: number): NewApproval {
  return {
    id: newRequestId(),
    originJob: jobId,
    expiresAt: new Date(Date.now() + expiryMinutes * 60_000),
    requestedBy: data.requester.user,
    channel: data.reply.channel,
    threadTs: data.reply.threadTs ?? data.reply.ts,
    statusTs: data.reply.ts,
    approvalsRequired: approvalsAsked(data),
  };
}

/**
 * Posts the plan with Approve and Deny in the request's thread, unless an earlier run of a retried planning job did.
 */
export async function postPlan<R extends ApprovalRequest>(
  kind: ApprovalKind<R>,
  request: R,
  deps: { store: JobDeps['store']; chat: Chat },
): Promise<R> {
  if (request.planTs !== undefined) return request;
  const planTs = await deps.chat.post(request.channel, kind.planMessage(request), request.threadTs);
  await kind.requests(deps.store).setPlanMessage(request.id, planTs);
  return { ...request, planTs };
}

/**
 * After a request was created: a pending one gets its expiry job (delayed until it expires); one the
 * policy approved at once (no approvals required) goes straight to its follow-up job, announced in the thread.
 */
export async function scheduleFollowUp<R extends ApprovalRequest>(
  kind: ApprovalKind<R>,
  request: R,
  deps: { queue: CommandQueue; chat: Chat },
  requester: Requester,
): Promise<void> {
  const onRequest = { requester, request: request.id };
  if (request.state === 'pending') {
    const delayMs = Math.max(request.expiresAt.getTime() - Date.now(), 0) + 1_000;
    const reply = { channel: request.channel, ts: request.planTs ?? request.statusTs };
    await deps.queue.enqueue({ job: kind.expireJob, ...onRequest, reply }, `${kind.expireJob}-${request.id}`, {
      delayMs,
    });
  } else if (request.state === 'approved' && request.approvalsRequired === 0) {
    const ts = await deps.chat.post(request.channel, kind.approvedMessage(request), request.threadTs);
    const reply = { channel: request.channel, ts, threadTs: request.threadTs };
    await deps.queue.enqueue({ job: kind.followUp, ...onRequest, reply }, `${kind.followUp}-${request.id}`);
  }
}

import type { RestartRequest } from '../store/restart-requests.js';

const utc = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

// Plain Slack IDs, not <@mentions>: refusals are escaped as text when shown.

/**
 * Why an approval by `user` did not count, in words for the person who clicked. Pure: the stored
 * request as it is now (after the conditional UPDATE refused the approval) and who tried.
 */
export function approvalRefusal(request: RestartRequest | undefined, id: string, user: string, now: Date = new Date()): string {
  if (request === undefined) return `There is no restart request ${id}.`;
  const what = `${request.kind}/${request.name}`;
  switch (request.state) {
    case 'pending':
      if (request.requestedBy === user) return `You asked for this restart of ${what}: the approval must come from someone else (two-person rule).`;
      if (request.approvedBy.includes(user)) {
        return `You have already approved request ${id}; it needs ${request.approvalsRequired - request.approvedBy.length} more approval(s) from other approvers.`;
      }
      if (request.expiresAt <= now) return `Request ${id} expired at ${utc(request.expiresAt)}; ask again with \`/carbon restart\`.`;
      return `Request ${id} could not be approved just now; try again.`;
    case 'approved':
    case 'running':
      return `Request ${id} is already approved (by ${request.approvedBy.join(', ') || 'the policy'}); the restart of ${what} is ${request.state === 'running' ? 'running' : 'starting'}. Nothing more to do.`;
    case 'succeeded':
    case 'failed':
      return `Request ${id} was already approved and the restart of ${what} has ${request.state === 'succeeded' ? 'finished' : 'failed'}.`;
    case 'rejected':
      return `Request ${id} was ${request.decidedBy === request.requestedBy ? 'cancelled' : 'denied'} by ${request.decidedBy ?? '?'}: it can no longer be approved.`;
    case 'expired':
      return `Request ${id} expired at ${utc(request.expiresAt)} without approval; ask again with \`/carbon restart\`.`;
  }
}

/** Why a deny by `user` did nothing. */
export function denyRefusal(request: RestartRequest | undefined, id: string, user: string, asApprover: boolean): string {
  if (request === undefined) return `There is no restart request ${id}.`;
  if (request.state !== 'pending') return `Request ${id} is no longer awaiting approval (it is ${request.state}): nothing to deny.`;
  if (!asApprover && request.requestedBy !== user) return `Only the requester or someone with the approver role may deny request ${id}.`;
  return `Request ${id} could not be denied just now; try again.`;
}

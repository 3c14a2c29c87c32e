import {
  approvalRefusal as refusalOf,
  denyRefusal as denyRefusalOf,
  type ApprovalKind,
} from '../../approvals/index.js';
import { approvedMessage, planMessage, statusMessage } from './render.js';
import type { RestartRequest } from './store.js';

/** Restarts on the shared approval mechanism (src/approvals): what the refusals and the thread say. */
export const RESTART_KIND: ApprovalKind<RestartRequest> = {
  action: 'restart',
  noun: 'restart request',
  thing: (request) => `restart of ${request.kind}/${request.name}`,
  askAgain: '/carbon restart',
  nothingDone: 'Nothing was restarted.',
  requests: (store) => store.restarts,
  planMessage,
  statusMessage,
  approvedMessage,
  followUp: 'restart-rollout',
  expireJob: 'restart-expire',
};

/**
 * Why an approval by `user` did not count, in words for the person who clicked. Pure: the stored
 * request as it is now (after the conditional UPDATE refused the approval) and who tried.
 */
export function approvalRefusal(
  request: RestartRequest | undefined,
  id: string,
  user: string,
  now: Date = new Date(),
): string {
  return refusalOf(RESTART_KIND, request, id, user, now);
}

/** Why a deny by `user` did nothing. */
export function denyRefusal(
  request: RestartRequest | undefined,
  id: string,
  user: string,
  asApprover: boolean,
): string {
  return denyRefusalOf(RESTART_KIND, request, id, user, asApprover);
}

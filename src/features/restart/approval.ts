import type { ApprovalKind } from '../../approvals/index.js';
import { approvedMessage, planMessage, statusMessage } from './render.js';
import type { RestartRequest } from './store.js';

/** Restarts on the shared approval mechanism (src/approvals): what the refusals and the thread say. */
export const RESTART_KIND: ApprovalKind<RestartRequest> & { followUp: 'restart-rollout'; expireJob: 'restart-expire' } =
  {
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

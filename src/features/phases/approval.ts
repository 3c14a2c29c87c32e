import type { ApprovalKind } from '../../approvals/index.js';
import { applyApprovedMessage, applyPlanMessage, applyStatusMessage } from './render.js';
import type { PhaseApply } from './apply-store.js';

/** `phase apply` on the shared approval mechanism (src/approvals): what the refusals and the thread say. */
export const PHASE_APPLY_KIND: ApprovalKind<PhaseApply> & { followUp: 'phase-apply'; expireJob: 'phase-apply-expire' } =
  {
    action: 'phase',
    noun: 'phase apply request',
    thing: (request) => `apply of phase ${request.phase}${request.task ? ` (task ${request.task})` : ''}`,
    askAgain: '/carbon phase apply',
    nothingDone: 'Nothing was applied.',
    requests: (store) => store.phaseApplies,
    planMessage: applyPlanMessage,
    statusMessage: applyStatusMessage,
    approvedMessage: applyApprovedMessage,
    followUp: 'phase-apply',
    expireJob: 'phase-apply-expire',
  };

import { gatedJobs, type GatedAction } from '../../approvals/gated-action.js';
import { RESTART_KIND } from './approval.js';
import { planRestart, restartAudit } from './restart-request.js';
import { beginRestart, restartOutcome, rollOut, rolloutDone } from './restart-rollout.js';
import type { RestartRequest } from './store.js';

/**
 * A restart, approval-gated: the pre-flight plan (restart-request.ts), the rollout after the approvals
 * (restart-rollout.ts), the expiry of a request nobody approved (src/approvals).
 */
export const RESTART: GatedAction<RestartRequest, 'restart-request', 'restart-rollout', 'restart-expire'> = {
  kind: RESTART_KIND,
  audit: restartAudit,
  expiryMinutes: (config) => config.RESTART_APPROVAL_EXPIRY_MIN,
  plan: planRestart,
  begin: beginRestart,
  notStarted: (request) => `the restart of ${request.kind}/${request.name} was NOT started (request ${request.id})`,
  act: rollOut,
  done: rolloutDone,
  outcome: restartOutcome,
  // A rollout resumes safely (the annotation value is recorded before the patch): two worker restarts
  // during a long rollout must not fail it.
  followUp: { attempts: 3, stallsAllowed: 5 },
};

export const RESTART_JOBS = gatedJobs(RESTART);

import { gatedJobs, type GatedAction } from '../../approvals/gated-action.js';
import type { PhaseApply } from './apply-store.js';
import { PHASE_APPLY_KIND } from './approval.js';
import { phaseApplyAudit, planPhaseApply } from './phase-apply-request.js';
import { applyPhase, beginApply } from './phase-apply.js';

/**
 * A phase apply, approval-gated: the dry-run plan (phase-apply-request.ts), the apply after the approvals
 * (phase-apply.ts), the expiry of a request nobody approved (src/approvals).
 */
export const PHASE_APPLY: GatedAction<PhaseApply, 'phase-apply-request', 'phase-apply', 'phase-apply-expire'> = {
  kind: PHASE_APPLY_KIND,
  audit: phaseApplyAudit,
  expiryMinutes: (config) => config.PHASE_APPROVAL_EXPIRY_MIN,
  plan: planPhaseApply,
  begin: beginApply,
  notStarted: (request) => `phase ${request.phase} was NOT applied (request ${request.id})`,
  act: (ctx, request) => applyPhase(ctx, request),
  followUp: { attempts: 2 },
};

export const PHASE_APPLY_JOBS = gatedJobs(PHASE_APPLY);

import type { JobDefinition } from '../../jobs/job.js';
import { PHASE_APPLY_KIND } from './approval.js';
import { approvalExpireJob } from '../../approvals/expire-job.js';

/** Delayed until a phase apply request's expiry: still pending then, it expires and its buttons go. */
export const phaseApplyExpire: JobDefinition<'phase-apply-expire'> = approvalExpireJob(() => PHASE_APPLY_KIND);

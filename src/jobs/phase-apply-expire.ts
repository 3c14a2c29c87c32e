import { PHASE_APPLY_KIND } from '../phases/approval.js';
import { approvalExpireJob } from './approval-expire.js';

/** Delayed until a phase apply request's expiry: still pending then, it expires and its buttons go. */
export const phaseApplyExpire = approvalExpireJob(() => PHASE_APPLY_KIND);

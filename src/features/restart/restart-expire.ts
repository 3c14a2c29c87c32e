import { RESTART_KIND } from './approval.js';
import { approvalExpireJob } from '../../approvals/expire-job.js';

/** Expires a restart request still pending at its expiry (the shared approval expiry job). */
export const restartExpire = approvalExpireJob(() => RESTART_KIND);

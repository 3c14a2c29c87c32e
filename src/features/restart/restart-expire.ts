import type { JobDefinition } from '../../jobs/job.js';
import { RESTART_KIND } from './approval.js';
import { approvalExpireJob } from '../../approvals/expire-job.js';

/** Expires a restart request still pending at its expiry (the shared approval expiry job). */
export const restartExpire: JobDefinition<'restart-expire'> = approvalExpireJob(() => RESTART_KIND);

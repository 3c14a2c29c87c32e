import { RESTART_KIND } from '../restart/approval.js';
import { approvalExpireJob } from './approval-expire.js';

/** Expires a restart request still pending at its expiry (the shared approval expiry job). */
export const restartExpire = approvalExpireJob(() => RESTART_KIND);

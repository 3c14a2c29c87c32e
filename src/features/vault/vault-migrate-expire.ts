import type { JobDefinition } from '../../jobs/job.js';
import { VAULT_MIGRATE_KIND } from './approval.js';
import { approvalExpireJob } from '../../approvals/expire-job.js';

/** Expires a Vault migration still awaiting approval at its expiry (the shared approval expiry job). */
export const vaultMigrateExpire: JobDefinition<'vault-migrate-expire'> = approvalExpireJob(() => VAULT_MIGRATE_KIND);

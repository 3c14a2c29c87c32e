import { VAULT_MIGRATE_KIND } from '../vault/approval.js';
import { approvalExpireJob } from './approval-expire.js';

/** Expires a Vault migration still awaiting approval at its expiry (the shared approval expiry job). */
export const vaultMigrateExpire = approvalExpireJob(() => VAULT_MIGRATE_KIND);

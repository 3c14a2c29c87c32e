import { gatedJobs, type GatedAction } from '../../approvals/gated-action.js';
import { VAULT_MIGRATE_KIND } from './approval.js';
import type { VaultMigration } from './store.js';
import { planVaultMigration, vaultMigrationAudit } from './vault-migrate-plan.js';
import { beginMigration, migrate, migrationDone } from './vault-migrate-run.js';

/**
 * A ConfigMap → Vault migration, approval-gated: the plan (vault-migrate-plan.ts), the migration after the
 * approvals (vault-migrate-run.ts), the expiry of a plan nobody approved (src/approvals).
 */
export const VAULT_MIGRATE: GatedAction<
  VaultMigration,
  'vault-migrate-plan',
  'vault-migrate-run',
  'vault-migrate-expire'
> = {
  kind: VAULT_MIGRATE_KIND,
  audit: vaultMigrationAudit,
  expiryMinutes: (config) => config.VAULT_APPROVAL_EXPIRY_MIN,
  plan: planVaultMigration,
  begin: beginMigration,
  notStarted: (m) => `Vault migration ${m.id} was NOT started`,
  act: (ctx, m) => migrate(ctx, m),
  done: migrationDone,
  // A migration resumes safely (a key already written is recognised by its value): it survives worker restarts.
  followUp: { attempts: 3, stallsAllowed: 5 },
};

export const VAULT_MIGRATE_JOBS = gatedJobs(VAULT_MIGRATE);

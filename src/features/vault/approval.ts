import type { ApprovalKind } from '../../approvals/index.js';
import { migrationApprovedMessage, migrationPlanMessage, migrationStatusMessage } from './render.js';
import type { VaultMigration } from './store.js';

/** Vault migrations on the shared approval mechanism (src/approvals). */
export const VAULT_MIGRATE_KIND: ApprovalKind<VaultMigration> & {
  followUp: 'vault-migrate-run';
  expireJob: 'vault-migrate-expire';
} = {
  action: 'vault-migrate',
  noun: 'Vault migration',
  thing: (m) => `migration of configmap/${m.configMap} to Vault`,
  askAgain: '/carbon vault migrate',
  nothingDone: 'Nothing was written to Vault and the ConfigMap is unchanged.',
  requests: (store) => store.vaultMigrations,
  planMessage: migrationPlanMessage,
  statusMessage: migrationStatusMessage,
  approvedMessage: migrationApprovedMessage,
  followUp: 'vault-migrate-run',
  expireJob: 'vault-migrate-expire',
};

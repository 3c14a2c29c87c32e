import type { Migration } from './migration.js';
import { APPROVAL_COLUMNS, approvalIndexes } from './approval-tables.js';

/** vault_migration_keys.state's values as released in version 10 (its SQL is kept to the byte): one line of SQL. */
const KEY_STATES = "('planned', 'written', 'verified', 'conflict', 'failed', 'removed', 'restored')";

/** Vault migrations: versions 10–19. No column ever holds a secret value: names, lengths, keyed fingerprints. */
export const VAULT_MIGRATIONS: readonly Migration[] = [
  {
    version: 10,
    name: 'vault migrations, their keys and the workloads cut over',
    // vault_migrations: one ConfigMap → Vault migration, an approval request like restart_requests (the
    // shared approval columns first), one open migration per ConfigMap. plan: names, target paths,
    // lengths, fingerprint prefixes and consumers, never a value.
    // vault_migration_keys: per key, where it stands; written after every step, so a re-run continues.
    // fingerprint: HMAC-SHA256 (16 hex) keyed with a key kept in Vault only (src/features/vault/fingerprint.ts).
    // vault_migration_workloads: the annotations a cutover added to each consumer (names only), for rollback.
    sql: `
      CREATE TABLE vault_migrations (
${APPROVAL_COLUMNS}
        cluster            text NOT NULL,
        namespace          text NOT NULL,
        configmap          text NOT NULL,
        mount              text NOT NULL,
        path               text NOT NULL,
        cutover            boolean NOT NULL,
        reason             text,
        plan               jsonb NOT NULL,
        rolled_back_at     timestamptz,
        rolled_back_by     text,
        rollback_job       text,
        rollback_result    text
      );
      ${approvalIndexes('vault_migrations', 'cluster, namespace, configmap')}
      CREATE TABLE vault_migration_keys (
        migration_id  text NOT NULL REFERENCES vault_migrations (id),
        key           text NOT NULL,
        target_path   text NOT NULL,            -- under the mount: <path>/<key>
        length        integer NOT NULL,
        fingerprint   text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{16}$'),
        found_by      text NOT NULL,            -- name | value: <shape> | asked (--keys)
        action        text NOT NULL CHECK (action IN ('create', 'update', 'present')),
        base_version  integer NOT NULL,         -- the path's current version in Vault when planned (0: none)
        state         text NOT NULL CHECK (state IN ${KEY_STATES}),
        vault_version integer,
        detail        text,
        updated_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (migration_id, key)
      );
      CREATE TABLE vault_migration_workloads (
        migration_id  text NOT NULL REFERENCES vault_migrations (id),
        kind          text NOT NULL CHECK (kind IN ('deployment', 'statefulset')),
        name          text NOT NULL,
        added         text[] NOT NULL DEFAULT '{}',   -- annotation names carbon-ops added (values name paths only)
        state         text NOT NULL CHECK (state IN ('annotating', 'annotated', 'restored')),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (migration_id, kind, name)
      );
    `,
  },
];

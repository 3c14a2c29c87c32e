import type { Migration } from './migration.js';

/** Health snapshots after version 1: versions 60–69. */
export const HEALTH_MIGRATIONS: readonly Migration[] = [
  {
    version: 60,
    name: 'health snapshot data services',
    // The Data services section of a health report (Kafka, PostgreSQL, Vault, TLS, HTTP, node resources): each
    // check's state, figures, source and time. NULL for snapshots taken before, or without data checks. Never a
    // credential: the checks hold none.
    sql: `
      ALTER TABLE health_snapshots ADD COLUMN data_services jsonb;
    `,
  },
];

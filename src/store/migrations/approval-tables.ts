/**
 * The DDL every approval request table shares: the columns store/approval-requests.ts reads and writes
 * for every kind, and the two indexes on them. Released migrations are built from this text (10, 21,
 * and the indexes of 4) and have run on existing databases: never change it; a different table is a new
 * migration. test/unit/migrations.test.ts pins the SQL of every released migration.
 *
 * A new kind's table: `CREATE TABLE <kind>_requests (\n${APPROVAL_COLUMNS}\n  <its own columns>);`,
 * then `approvalIndexes('<kind>_requests', '<what a request acts on>')`.
 */

/** The approval columns, in this order, each line ending in a comma: the kind's own columns follow. */
export const APPROVAL_COLUMNS = `\
        id                 text PRIMARY KEY,
        origin_job         text NOT NULL UNIQUE,
        created_at         timestamptz NOT NULL DEFAULT now(),
        expires_at         timestamptz NOT NULL,
        requested_by       text NOT NULL,
        channel            text NOT NULL,
        thread_ts          text NOT NULL,
        status_ts          text NOT NULL,
        plan_ts            text,
        approvals_required integer NOT NULL CHECK (approvals_required >= 0),
        approved_by        text[] NOT NULL DEFAULT '{}',
        decided_by         text,
        decided_at         timestamptz,
        state              text NOT NULL CHECK (state IN
                             ('pending', 'approved', 'running', 'succeeded', 'failed', 'rejected', 'expired')),
        started_at         timestamptz,
        finished_at        timestamptz,
        job_id             text,
        result             text,`;

/**
 * One open request per `actsOn` (`<table>_one_open`, the constraint the repositories recognise when an
 * INSERT is refused), and the index expiry scans.
 */
export function approvalIndexes(table: string, actsOn: string): string {
  return `CREATE UNIQUE INDEX ${table}_one_open ON ${table} (${actsOn})
        WHERE state IN ('pending', 'approved', 'running');
      CREATE INDEX ${table}_pending_expiry ON ${table} (expires_at) WHERE state = 'pending';`;
}

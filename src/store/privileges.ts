import pg from 'pg';
import { AUDIT_COLUMNS } from './audit-log.js';
import type { Queryable } from './transaction.js';

const READ_APPEND = ['SELECT', 'INSERT'];
const READ_WRITE = ['SELECT', 'INSERT', 'UPDATE'];

/**
 * What the bot's own role (DATABASE_URL's) may do on each table, and nothing more: no DDL, no TRUNCATE,
 * never an owner; the migration role (DATABASE_MIGRATION_URL) owns the schema and grants these after
 * every migration. audit_log: SELECT, and INSERT of the columns an entry fills (`id` and `at` come from
 * their defaults, so the bot cannot backdate a row). A migration that adds a table names it here too
 * (test/integration/audit-privileges.test.ts compares this list with the migrated schema).
 */
export const RUNTIME_PRIVILEGES: Readonly<Record<string, readonly string[]>> = {
  schema_migrations: ['SELECT'], // the start-up check that the schema is current
  audit_log: ['SELECT', `INSERT (${AUDIT_COLUMNS.join(', ')})`],
  health_snapshots: READ_APPEND,
  benchmark_runs: READ_APPEND,
  vault_coverage_snapshots: READ_APPEND,
  phase_task_history: READ_APPEND,
  phase_objects: READ_APPEND,
  restart_requests: READ_WRITE,
  phase_apply_requests: READ_WRITE,
  vault_migrations: READ_WRITE,
  vault_migration_keys: READ_WRITE,
  vault_migration_workloads: READ_WRITE,
  phase_task_states: READ_WRITE, // SELECT … FOR UPDATE and ON CONFLICT DO UPDATE need UPDATE
  status_schedules: READ_WRITE,
  status_posts: READ_WRITE,
  alert_groups: READ_WRITE, // one row per Alertmanager group: claimed, then its message recorded
  phase_tasks: [...READ_WRITE, 'DELETE'], // refreshed from the runbooks: a task no longer defined goes
};

/**
 * Gives `role` exactly RUNTIME_PRIVILEGES in the current schema: whatever it held before is revoked
 * first, so running it again (every `carbon migrate`) repairs a grant changed by hand. The sequences
 * behind bigserial ids need USAGE for INSERT. Run by the schema's owner.
 */
export async function grantRuntime(db: Queryable, role: string): Promise<void> {
  const who = pg.escapeIdentifier(role);
  const { rows } = await db.query<{ schema: string }>('SELECT current_schema() AS schema');
  const inSchema = pg.escapeIdentifier(rows[0]!.schema);
  await db.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${inSchema} FROM ${who}`);
  await db.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${inSchema} FROM ${who}`);
  for (const [table, privileges] of Object.entries(RUNTIME_PRIVILEGES))
    await db.query(`GRANT ${privileges.join(', ')} ON ${pg.escapeIdentifier(table)} TO ${who}`);
  await db.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${inSchema} TO ${who}`);
}

/**
 * Why the role `db` connects as holds more than RUNTIME_PRIVILEGES (a superuser, or the owner of tables
 * of the schema, could drop audit_log's append-only trigger), or undefined when it does not.
 */
export async function excessPrivilege(db: Queryable): Promise<string | undefined> {
  const { rows } = await db.query<{ role: string; superuser: boolean; owned: string[] }>(
    `SELECT current_user AS role, r.rolsuper AS superuser,
            ARRAY(SELECT tablename::text FROM pg_tables
                   WHERE schemaname = current_schema() AND tableowner = current_user ORDER BY tablename) AS owned
       FROM pg_roles r WHERE r.rolname = current_user`,
  );
  const { role, superuser, owned } = rows[0]!;
  if (superuser) return `the role ${role} is a superuser`;
  if (owned.length > 0)
    return `the role ${role} owns ${owned.length} table(s) (${owned.slice(0, 3).join(', ')}${owned.length > 3 ? ', …' : ''})`;
  return undefined;
}

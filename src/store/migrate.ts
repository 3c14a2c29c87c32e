import pg from 'pg';
import { createPool, type Pool } from '../integrations/postgres.js';
import { MIGRATIONS } from './migrations.js';
import type { Migration } from './migrations/migration.js';
import { grantRuntime } from './privileges.js';
import type { Queryable } from './transaction.js';

/** An arbitrary constant: the advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK = 254_0001;

export interface Migrated {
  /** The versions applied now. */
  applied: number[];
  /**
   * Why the bot's role did not get its privileges: it is the migration role itself (it owns everything),
   * or a newer carbon-ops migrated the schema (its grants cover tables this one does not know). Undefined
   * when it got them.
   */
  notGranted?: string;
}

/**
 * Applies the pending migrations, each in its own transaction, as the schema's owner (the migration
 * role, DATABASE_MIGRATION_URL), then grants the bot's role (`runtimeRole`, DATABASE_URL's) exactly its
 * privileges (store/privileges.ts), in one transaction.
 */
export async function migrate(
  pool: Pool,
  runtimeRole: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<Migrated> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const owner = await refuseOwnedByRuntime(client, runtimeRole);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
    );
    const applied: number[] = [];
    for (const migration of migrations.filter((m) => !done.has(m.version))) {
      await inTransaction(client, () => apply(client, migration), `Migration ${migration.version} (${migration.name})`);
      applied.push(migration.version);
    }
    const known = new Set(migrations.map((m) => m.version));
    const newer = [...done].filter((version) => !known.has(version));
    if (runtimeRole === owner) return { applied, notGranted: `it is the migration role, the schema's owner` };
    if (newer.length > 0) return { applied, notGranted: `a newer carbon-ops applied migration(s) ${newer.join(', ')}` };
    await inTransaction(client, () => grantRuntime(client, runtimeRole), `Granting ${runtimeRole}`);
    return { applied };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}

/** Migrates with the migration role's connection, for the bot's role; the connection is closed afterwards. */
export async function migrateAs(migrationUrl: string, runtimeRole: string): Promise<Migrated> {
  const pool = createPool(migrationUrl);
  try {
    return await migrate(pool, runtimeRole);
  } finally {
    await pool.end();
  }
}

/** The versions of `migrations` the database has not applied: all of them when it was never migrated. */
export async function pendingVersions(db: Queryable, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  let done: Set<number>;
  try {
    const { rows } = await db.query<{ version: number }>('SELECT version FROM schema_migrations');
    done = new Set(rows.map((r) => r.version));
  } catch (error) {
    if ((error as { code?: string }).code !== '42P01') throw error; // undefined_table: never migrated
    done = new Set();
  }
  return migrations.map((m) => m.version).filter((version) => !done.has(version));
}

/**
 * The migration role's name. Refuses to migrate a schema whose tables the bot's role owns (set up before
 * the two roles were separate): the owner could not change them, and the bot could drop the audit's
 * trigger. The fix is one statement by a superuser.
 */
async function refuseOwnedByRuntime(db: Queryable, runtimeRole: string): Promise<string> {
  const { rows } = await db.query<{ owner: string; tables: string[] }>(
    `SELECT current_user AS owner,
            ARRAY(SELECT tablename::text FROM pg_tables
                   WHERE schemaname = current_schema() AND tableowner = $1 ORDER BY tablename) AS tables`,
    [runtimeRole],
  );
  const { owner, tables } = rows[0]!;
  if (runtimeRole !== owner && tables.length > 0) {
    throw new Error(
      `the bot's role ${runtimeRole} (DATABASE_URL) owns ${tables.join(', ')}, so it could drop the audit ` +
        `trail's trigger: as a superuser, in this database, run REASSIGN OWNED BY ${pg.escapeIdentifier(runtimeRole)} ` +
        `TO ${pg.escapeIdentifier(owner)}; then migrate again`,
    );
  }
  return owner;
}

async function apply(db: Queryable, migration: Migration): Promise<void> {
  await db.query(migration.sql);
  await db.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
}

async function inTransaction(client: pg.PoolClient, work: () => Promise<void>, what: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await work();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw new Error(`${what} failed: ${(error as Error).message}`, { cause: error });
  }
}

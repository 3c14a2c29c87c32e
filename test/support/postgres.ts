import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrateAs } from '../../src/store/migrate.js';

/** The local PostgreSQL with trust auth: on this machine and in CI. */
export const LOCAL_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

/** The server the tests use. */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? LOCAL_ADMIN_URL;

export interface FreshDatabase {
  /** The bot's connection (DATABASE_URL): a role of its own with the runtime privileges only. */
  url: string;
  /** The schema owner's (DATABASE_MIGRATION_URL): for migrations, and for a test's changes to fixtures. */
  migrationUrl: string;
  /** The administrator's (TEST_DATABASE_URL's user) on this database: for what only a superuser may set up. */
  adminUrl: string;
  /** The bot's role, and the owner's. */
  runtimeRole: string;
  ownerRole: string;
  drop(): Promise<void>;
}

/**
 * A database of its own for one test file (or benchmark run), dropped afterwards with its roles: tests
 * never see each other's rows. Set up as README's "PostgreSQL roles" says: an owner role that migrates,
 * and a role for the bot with only what src/store/privileges.ts grants, so every test runs with least
 * privilege. Migrated unless `migrated: false`. `prefix` names it, so a database left behind says what
 * made it.
 */
export async function freshDatabase(
  options: { adminUrl?: string; prefix?: string; migrated?: boolean } = {},
): Promise<FreshDatabase> {
  const { adminUrl = ADMIN_URL, prefix = 'carbon_test', migrated = true } = options;
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const owner = { role: `${name}_owner`, password: randomBytes(12).toString('hex') };
  const runtime = { role: `${name}_bot`, password: randomBytes(12).toString('hex') };
  await withClient(adminUrl, async (admin) => {
    for (const { role, password } of [owner, runtime])
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    await admin.query(`CREATE DATABASE ${name} OWNER ${owner.role}`);
  });
  const db: FreshDatabase = {
    url: urlOf(adminUrl, name, runtime),
    migrationUrl: urlOf(adminUrl, name, owner),
    adminUrl: urlOf(adminUrl, name),
    runtimeRole: runtime.role,
    ownerRole: owner.role,
    drop: () =>
      withClient(adminUrl, async (admin) => {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.query(`DROP ROLE IF EXISTS ${owner.role}, ${runtime.role}`);
      }),
  };
  // PostgreSQL 14 and older let every role create tables in `public`; 15 and later no longer do.
  await queryAs(db.adminUrl, 'REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  if (migrated) await migrateAs(db.migrationUrl, runtime.role);
  return db;
}

/** Runs `body` with a fresh database's URL and drops the database afterwards, whatever happens. */
export async function withFreshDatabase<T>(
  options: { adminUrl?: string; prefix?: string },
  body: (url: string) => Promise<T>,
): Promise<T> {
  const db = await freshDatabase(options);
  try {
    return await body(db.url);
  } finally {
    await db.drop();
  }
}

/** One statement on its own connection: e.g. as the schema owner, `db.migrationUrl`. */
export async function queryAs<R extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<pg.QueryResult<R>> {
  return withClient(url, (client) => client.query<R>(sql, params));
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function urlOf(adminUrl: string, database: string, as?: { role: string; password: string }): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  if (as !== undefined) {
    url.username = as.role;
    url.password = as.password;
  }
  return url.toString();
}

import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The local PostgreSQL with trust auth: on this machine and in CI. */
export const LOCAL_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

/** The server the tests use. */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? LOCAL_ADMIN_URL;

/**
 * A database of its own for one test file (or benchmark run), dropped afterwards: tests never see each
 * other's rows. `prefix` names it, so a database left behind says what made it.
 */
export async function freshDatabase(
  options: { adminUrl?: string; prefix?: string } = {},
): Promise<{ url: string; drop(): Promise<void> }> {
  const { adminUrl = ADMIN_URL, prefix = 'carbon_test' } = options;
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
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

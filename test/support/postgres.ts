import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the tests use; on this machine and in CI: the local PostgreSQL with trust auth. */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** A database of its own for one test file, dropped afterwards: tests never see each other's rows. */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `carbon_test_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

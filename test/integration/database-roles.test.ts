import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { pino } from 'pino';
import { Closer, openStore } from '../../src/app/deps.js';
import { runMigrate } from '../../src/cli/migrate.js';
import { loadConfig } from '../../src/config.js';
import { AuditLog } from '../../src/store/audit-log.js';
import { migrateAs } from '../../src/store/migrate.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { RUNTIME_PRIVILEGES } from '../../src/store/privileges.js';
import { freshDatabase, queryAs, type FreshDatabase } from '../support/postgres.js';

/**
 * The bot works as a role of its own that may read and append the audit trail and never change it; the
 * migration role owns the schema. Every refusal below is PostgreSQL's own privilege check (SQLSTATE
 * 42501 with its message), not the append-only trigger, which binds the owner too (restart-flow.test.ts).
 */
let db: FreshDatabase;
let bot: pg.Pool;

beforeAll(async () => {
  db = await freshDatabase({ prefix: 'carbon_roles' });
  bot = new pg.Pool({ connectionString: db.url, max: 1 });
});
afterAll(async () => {
  await bot?.end();
  await db?.drop();
});

const entry = { actor: 'U0OPERATOR', action: 'restart', command: 'restart grafana', outcome: 'requested' } as const;
const PERMISSION_DENIED = '42501';

describe("the bot's role on audit_log", () => {
  it('appends rows and reads them', async () => {
    const audit = new AuditLog(bot);
    const row = await audit.record({ ...entry, detail: 'appended by the bot' });
    const rows = await audit.list({ since: new Date(0) }, 100);
    expect(rows.find((r) => r.id === row.id)).toMatchObject({ actor: 'U0OPERATOR', detail: 'appended by the bot' });
  });

  const refused: [string, string, RegExp][] = [
    ['UPDATE', `UPDATE audit_log SET outcome = 'succeeded'`, /permission denied for table audit_log/],
    ['DELETE', 'DELETE FROM audit_log', /permission denied for table audit_log/],
    ['TRUNCATE', 'TRUNCATE audit_log', /permission denied for table audit_log/],
    [
      'drop its trigger',
      'DROP TRIGGER audit_log_no_update_delete ON audit_log',
      /must be owner of (table|relation) audit_log/,
    ],
    [
      'disable its triggers',
      'ALTER TABLE audit_log DISABLE TRIGGER ALL',
      /must be owner of (table|relation) audit_log/,
    ],
    ['skip triggers for its session', 'SET session_replication_role = replica', /permission denied to set parameter/],
    ['drop the trigger function', 'DROP FUNCTION audit_log_append_only() CASCADE', /must be owner of function/],
    [
      'replace the trigger function',
      'CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$',
      /must be owner of function|permission denied for schema public/,
    ],
    ['alter the table', 'ALTER TABLE audit_log DROP COLUMN detail', /must be owner of (table|relation) audit_log/],
    [
      'take the table over',
      'ALTER TABLE audit_log OWNER TO CURRENT_USER',
      /must be owner of (table|relation) audit_log/,
    ],
    [
      'rename the table',
      'ALTER TABLE audit_log RENAME TO audit_log_old',
      /must be owner of (table|relation) audit_log/,
    ],
    ['drop the table', 'DROP TABLE audit_log', /must be owner of (table|relation) audit_log/],
    [
      'backdate a row',
      `INSERT INTO audit_log (at, actor, action, command, outcome) VALUES (now() - interval '1 year', 'U0X', 'restart', 'restart x', 'succeeded')`,
      /permission denied for table audit_log/,
    ],
    [
      'choose a row id',
      `INSERT INTO audit_log (id, actor, action, command, outcome) VALUES (1000000, 'U0X', 'restart', 'restart x', 'succeeded')`,
      /permission denied for table audit_log/,
    ],
    ['create a table beside it', 'CREATE TABLE audit_log_shadow (id integer)', /permission denied for schema public/],
  ];
  it.each(refused)('may not %s', async (_what, sql, message) => {
    const before = await queryAs<{ n: string }>(db.migrationUrl, 'SELECT count(*) AS n FROM audit_log');
    await expect(bot.query(sql)).rejects.toMatchObject({
      code: PERMISSION_DENIED,
      message: expect.stringMatching(message),
    });
    const after = await queryAs<{ n: string }>(db.migrationUrl, 'SELECT count(*) AS n FROM audit_log');
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
    const triggers = await queryAs(
      db.migrationUrl,
      `SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass AND tgenabled = 'O' ORDER BY tgname`,
    );
    expect(triggers.rows.map((r) => r.tgname)).toEqual(['audit_log_no_truncate', 'audit_log_no_update_delete']);
  });
});

describe('the privileges', () => {
  const KINDS = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];

  /** What the bot may do on `table`: a privilege on the table or on any of its columns. */
  async function held(table: string, role = db.runtimeRole): Promise<string[]> {
    const { rows } = await queryAs<{ kind: string; held: boolean }>(
      db.migrationUrl,
      `SELECT kind, CASE WHEN kind IN ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES')
                         THEN has_any_column_privilege($1, $2::regclass, kind)
                         ELSE has_table_privilege($1, $2::regclass, kind) END AS held
         FROM unnest($3::text[]) AS kind`,
      [role, table, KINDS],
    );
    return rows.filter((r) => r.held).map((r) => r.kind);
  }

  it('are the ones the code needs, on every table the migrations make, and the bot owns none', async () => {
    const { rows } = await queryAs<{ tablename: string; tableowner: string }>(
      db.migrationUrl,
      `SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    );
    expect(rows.map((r) => r.tablename)).toEqual(Object.keys(RUNTIME_PRIVILEGES).sort());
    expect(new Set(rows.map((r) => r.tableowner))).toEqual(new Set([db.ownerRole]));
    expect(await held('audit_log')).toEqual(['SELECT', 'INSERT']);
    expect(await held('schema_migrations')).toEqual(['SELECT']);
    expect(await held('phase_tasks')).toEqual(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);
    for (const table of Object.keys(RUNTIME_PRIVILEGES)) {
      const kinds = await held(table);
      expect([table, kinds.filter((k) => ['TRUNCATE', 'REFERENCES', 'TRIGGER'].includes(k))]).toEqual([table, []]);
      expect([table, kinds]).toEqual([table, RUNTIME_PRIVILEGES[table]!.map((p) => p.split(' ')[0])]);
    }
  });

  it('are set again by the next migration when someone changed them by hand', async () => {
    await queryAs(db.migrationUrl, `GRANT UPDATE, DELETE ON audit_log TO ${db.runtimeRole}`);
    expect(await held('audit_log')).toEqual(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);
    expect((await migrateAs(db.migrationUrl, db.runtimeRole)).applied).toEqual([]);
    expect(await held('audit_log')).toEqual(['SELECT', 'INSERT']);
    await expect(bot.query('DELETE FROM audit_log')).rejects.toMatchObject({ code: PERMISSION_DENIED });
  });
});

describe('migrations at start', () => {
  const quiet = () => pino({ level: 'silent' });

  it('refuse a schema that is behind when there is no migration role, saying what to do', async () => {
    const empty = await freshDatabase({ prefix: 'carbon_roles', migrated: false });
    const closer = new Closer();
    try {
      const config = loadConfig({ DATABASE_URL: empty.url });
      const all = MIGRATIONS.map((m) => m.version).join(', ');
      await expect(openStore(config, quiet(), closer)).rejects.toThrow(
        new RegExp(`lacks migration\\(s\\) ${all} .*run \`carbon migrate\` with DATABASE_MIGRATION_URL`),
      );
      const { rows } = await queryAs(empty.migrationUrl, `SELECT 1 FROM pg_tables WHERE schemaname = 'public'`);
      expect(rows).toEqual([]); // nothing half-done
    } finally {
      await closer.closeAll();
      await empty.drop();
    }
  });

  it('run with DATABASE_MIGRATION_URL, and the bot then works as its own role', async () => {
    const empty = await freshDatabase({ prefix: 'carbon_roles', migrated: false });
    const closer = new Closer();
    const lines: string[] = [];
    try {
      const config = loadConfig({ DATABASE_URL: empty.url, DATABASE_MIGRATION_URL: empty.migrationUrl });
      const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
      const { value: store, description } = await openStore(config, log, closer);
      expect(description).toContain('migrated at start');
      expect(await store.role()).toBe(empty.runtimeRole);
      await store.audit.record(entry);
      await expect(store.pool.query('TRUNCATE audit_log')).rejects.toMatchObject({ code: PERMISSION_DENIED });
      expect(lines).toEqual([]); // least privilege: nothing to warn about
    } finally {
      await closer.closeAll();
      await empty.drop();
    }
  });

  it('warn when the bot works as the schema owner', async () => {
    const closer = new Closer();
    const lines: string[] = [];
    try {
      const config = loadConfig({ DATABASE_URL: db.migrationUrl, DATABASE_MIGRATION_URL: db.migrationUrl });
      const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
      await openStore(config, log, closer);
      const tables = Object.keys(RUNTIME_PRIVILEGES).length;
      expect(lines.join('\n')).toMatch(
        new RegExp(
          `DATABASE_URL: the role ${db.ownerRole} owns ${tables} table\\(s\\).*could change or drop the audit trail`,
        ),
      );
    } finally {
      await closer.closeAll();
    }
  });

  it('are refused while the bot still owns the tables (a setup from before the two roles)', async () => {
    const legacy = await freshDatabase({ prefix: 'carbon_roles' });
    try {
      await queryAs(legacy.adminUrl, `ALTER TABLE audit_log OWNER TO ${legacy.runtimeRole}`);
      await expect(migrateAs(legacy.migrationUrl, legacy.runtimeRole)).rejects.toThrow(
        new RegExp(`${legacy.runtimeRole} \\(DATABASE_URL\\) owns audit_log.*REASSIGN OWNED BY`),
      );
      // The fix the message names, as README's upgrade note gives it.
      await queryAs(legacy.adminUrl, `REASSIGN OWNED BY ${legacy.runtimeRole} TO ${legacy.ownerRole}`);
      expect(await migrateAs(legacy.migrationUrl, legacy.runtimeRole)).toEqual({ applied: [] });
      await expect(queryAs(legacy.url, 'TRUNCATE audit_log')).rejects.toMatchObject({ code: PERMISSION_DENIED });
    } finally {
      await legacy.drop();
    }
  });
});

describe('carbon migrate', () => {
  it('needs both URLs, migrates, grants, and says so', async () => {
    await expect(runMigrate(loadConfig({ DATABASE_URL: db.url }))).rejects.toThrow(/DATABASE_MIGRATION_URL: required/);
    const empty = await freshDatabase({ prefix: 'carbon_roles', migrated: false });
    try {
      const said: string[] = [];
      const config = loadConfig({ DATABASE_URL: empty.url, DATABASE_MIGRATION_URL: empty.migrationUrl });
      expect(await runMigrate(config, (line) => said.push(line))).toBe(0);
      expect(await runMigrate(config, (line) => said.push(line))).toBe(0);
      expect(said).toEqual([
        expect.stringContaining(
          `applied ${MIGRATIONS.map((m) => m.version).join(', ')}; the bot's role ${empty.runtimeRole} holds its runtime privileges`,
        ),
        expect.stringContaining(
          `no migration pending; the bot's role ${empty.runtimeRole} holds its runtime privileges`,
        ),
      ]);
      expect(said.join('\n')).not.toContain(new URL(empty.migrationUrl).password);
      await expect(queryAs(empty.url, 'TRUNCATE audit_log')).rejects.toMatchObject({ code: PERMISSION_DENIED });
    } finally {
      await empty.drop();
    }
  });
});

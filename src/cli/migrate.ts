import { requireFor, type Config } from '../config.js';
import { createPool } from '../integrations/postgres.js';
import { redactUrl } from '../log.js';
import { migrateAs } from '../store/migrate.js';
import { excessPrivilege } from '../store/privileges.js';

/**
 * `carbon migrate`: the pending migrations, as the schema's owner (DATABASE_MIGRATION_URL), then the bot's
 * role (the one DATABASE_URL logs in as) granted exactly its privileges. For deployments whose bot and
 * workers start without DATABASE_MIGRATION_URL: run it before them (a Job, a CI step, a person).
 */
export async function runMigrate(config: Config, print: (line: string) => void = console.log): Promise<number> {
  requireFor('migrate', config, ['DATABASE_MIGRATION_URL', 'DATABASE_URL']);
  const runtime = createPool(config.DATABASE_URL!);
  try {
    const { rows } = await runtime.query<{ role: string }>('SELECT current_user AS role');
    const role = rows[0]!.role;
    const { applied, notGranted } = await migrateAs(config.DATABASE_MIGRATION_URL!, role);
    print(
      `carbon migrate: ${redactUrl(config.DATABASE_MIGRATION_URL!)}: ` +
        `${applied.length === 0 ? 'no migration pending' : `applied ${applied.join(', ')}`}; ` +
        (notGranted === undefined
          ? `the bot's role ${role} holds its runtime privileges`
          : `the bot's role ${role} was not granted: ${notGranted}`),
    );
    const excess = await excessPrivilege(runtime);
    if (excess !== undefined)
      print(
        `carbon migrate: warning: DATABASE_URL: ${excess}; give the bot a role of its own (README: PostgreSQL roles)`,
      );
    return 0;
  } finally {
    await runtime.end();
  }
}

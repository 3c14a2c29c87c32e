import { parseArgs } from 'node:util';
import type { StartDemo } from '../app/deps.js';
import type { Config } from '../config.js';
import { createLogger } from '../log.js';
import { EXIT } from './exit.js';
import { IMPERSONATION_REFUSED, runShell } from './shell.js';
import { TerminalSession } from './terminal-session.js';

/** Terminal roles log to a file: the terminal is the chat. */
export const terminalLogger = (config: Config) =>
  createLogger(config.LOG_LEVEL, `${config.CARBON_DATA_DIR}/carbon.log`);

const bullets = (banner: string[]) => banner.map((b) => `  · ${b}`).join('\n');

/** `carbon start` and `carbon shell`: the prompt at once; the cluster, Redis and PostgreSQL at the first command that needs them. */
export async function shell(config: Config, forceDemo: boolean, startDemo: StartDemo): Promise<number> {
  const session = await TerminalSession.open(config, terminalLogger(config), {
    print: (t) => console.log(t),
    forceDemo,
    startDemo,
    onConnect: (banner) => console.log(`carbon-ops connected to:\n${bullets(banner)}`),
    watchPods: true,
  });
  console.log(
    `carbon-ops shell (logs in ${config.CARBON_DATA_DIR}/carbon.log). It connects to the cluster, Redis and ` +
      'PostgreSQL at the first command that needs them.',
  );
  // The demo connects at once, behind the prompt, so that its failing-pod watch shows the demo's incidents in
  // #inc-demo; a failure here is told again by the first command, which retries.
  if (forceDemo) session.connect().catch(() => undefined);
  try {
    await runShell(session, { user: config.CARBON_USER, channel: config.CARBON_CHANNEL });
  } finally {
    await session.close();
  }
  return EXIT.ok;
}

/** `carbon run "<command>"`: one command, as if typed after /carbon in Slack; exit 0 ok, 1 failed, 2 usage. */
export async function run(config: Config, args: string[], usage: string, startDemo: StartDemo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { user: { type: 'string' }, channel: { type: 'string' }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return EXIT.usage;
  }
  if (parsed.positionals.length !== 1) {
    console.error(`carbon run takes exactly one command text, quoted: carbon run "health --namespace kafka"`);
    return EXIT.usage;
  }
  const json = parsed.values.json === true;
  const session = await TerminalSession.open(config, terminalLogger(config), {
    print: json ? () => undefined : (t) => console.log(t),
    startDemo,
    onConnect: (banner) => console.error(`carbon-ops connected to:\n${bullets(banner)}`),
  });
  try {
    if ((parsed.values.user !== undefined || parsed.values.channel !== undefined) && !(await session.simulated())) {
      console.error(IMPERSONATION_REFUSED);
      return EXIT.usage;
    }
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

import { createInterface } from 'node:readline/promises';
import type { Identity } from './session.js';
import type { TerminalSession } from './terminal-session.js';

const HELP = `Type a command as you would after /carbon in Slack (try \`help\` or \`health\`).
Shell commands: /as USER_ID (act as another Slack user), /in CHANNEL_ID (act in another channel), /whoami, /quit.`;

/**
 * Against a real cluster the terminal acts only as the configured CARBON_USER in CARBON_CHANNEL:
 * otherwise anyone with a shell could approve their own request as someone else.
 */
export const IMPERSONATION_REFUSED =
  'Acting as another user or in another channel is only for the simulated demo. ' +
  'Against a real cluster you act as CARBON_USER in CARBON_CHANNEL.';

/** `carbon shell`: the bot in the terminal, like Hubot's shell adapter. */
export async function runShell(session: TerminalSession, identity: Identity): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const prompt = () => `${identity.user}@${identity.channel}> `;
  console.log(HELP);
  rl.setPrompt(prompt());
  rl.prompt();
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === '/quit' || line === '/exit') break;
    const [word, arg] = line.split(/\s+/, 2);
    if (word === '/as' || word === '/in') {
      // Whether the cluster is simulated is known once connected: /as connects, as a command would.
      const simulated = await session.simulated().catch((error: Error) => console.log(`error: ${error.message}`));
      if (simulated === undefined) {
        // not connected: said why
      } else if (!simulated) {
        console.log(IMPERSONATION_REFUSED);
      } else if (arg && /^[A-Z0-9]{3,21}$/.test(arg)) {
        if (word === '/as') identity.user = arg;
        else identity.channel = arg;
      } else {
        console.log(`Usage: ${word} ${word === '/as' ? 'U0APPROVER' : 'C0INCIDENT'}`);
      }
    } else if (word === '/whoami') {
      console.log(`user ${identity.user}, channel ${identity.channel}`);
    } else if (word === '/help') {
      console.log(HELP);
    } else if (line !== '') {
      await session.execute(line, identity).catch((error: Error) => console.log(`error: ${error.message}`));
    }
    rl.setPrompt(prompt());
    rl.prompt();
  }
  rl.close();
}

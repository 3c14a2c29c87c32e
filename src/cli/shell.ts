import { createInterface } from 'node:readline/promises';
import type { Identity, LocalSession } from './session.js';

const HELP = `Type a command as you would after /carbon in Slack (try \`help\` or \`health\`).
Shell commands: /as USER_ID (act as another Slack user), /in CHANNEL_ID (act in another channel), /whoami, /quit.`;

/** `carbon shell`: the bot in the terminal, like Hubot's shell adapter. */
export async function runShell(session: LocalSession, identity: Identity): Promise<void> {
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
      if (arg && /^[A-Z0-9]{3,21}$/.test(arg)) {
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

// The Slack app manifest (slack/app-manifest.yaml) against the code: the scopes it asks for are exactly
// the ones the Web API methods the code calls need, and its command, events and interactivity are the
// ones the handlers register. A new Slack call without its scope, or a scope nothing uses, fails here.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

/** Each Web API method the bot may call → the bot scopes it needs (Slack's method reference pages). */
const METHOD_SCOPES: Record<string, string[]> = {
  'chat.postMessage': ['chat:write', 'chat:write.public'], // .public: post where the bot was not invited
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'conversations.info': ['channels:read', 'groups:read'], // public and private channels' names
  'conversations.history': ['channels:history', 'groups:history'], // a keyed post found by its metadata
  'conversations.replies': ['channels:history', 'groups:history'],
  'files.uploadV2': ['files:write'], // files.getUploadURLExternal + files.completeUploadExternal
  'usergroups.users.list': ['usergroups:read'],
};
/** Scopes that come with what the app registers rather than with a method it calls. */
const EVENT_SCOPES: Record<string, string> = { app_mention: 'app_mentions:read' };
const SLASH_COMMAND_SCOPE = 'commands';

interface Manifest {
  features: { slash_commands: { command: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { bot_events: string[] };
    interactivity: { is_enabled: boolean };
    socket_mode_enabled: boolean;
  };
}

/** Every TypeScript file the bot and worker run (the stand-ins in devstack/ are not the bot). */
async function productSources(dir = 'src'): Promise<{ path: string; text: string }[]> {
  const files: { path: string; text: string }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== join('src', 'devstack')) files.push(...(await productSources(path)));
    } else if (entry.name.endsWith('.ts')) files.push({ path, text: await readFile(path, 'utf8') });
  }
  return files;
}

const matches = (sources: { text: string }[], pattern: RegExp) =>
  new Set(sources.flatMap(({ text }) => [...text.matchAll(pattern)].map((m) => m[1]!)));

describe('the Slack app manifest', () => {
  it('asks for exactly the scopes the code needs, for the command, events and buttons it handles', async () => {
    const manifest = parse(await readFile('slack/app-manifest.yaml', 'utf8')) as Manifest;
    const sources = await productSources();
    // WebClient calls are written `client.<family>.<method>(…)`, the chat's JSON calls `api.call('<method>', …)`
    // (integrations/slack-http.ts): the method name is the Web API's.
    const methods = new Set([
      ...matches(sources, /\bclient\.((?:[a-z]+\.)+[a-zA-Z0-9]+)\(/g),
      ...matches(sources, /\bapi\.call\(\s*'((?:[a-z]+\.)+[a-zA-Z0-9]+)'/g),
    ]);
    const commands = matches(sources, /\bapp\.command\('([^']+)'/g);
    const events = matches(sources, /\bapp\.event\('([^']+)'/g);
    const handlesButtons = sources.some(({ text }) => /\bapp\.action\b/.test(text));

    expect([...methods].sort()).toEqual(expect.arrayContaining(['chat.postMessage', 'usergroups.users.list']));
    const unknown = [...methods].filter((m) => METHOD_SCOPES[m] === undefined);
    expect(unknown).toEqual([]); // a new method: add its scopes to METHOD_SCOPES from Slack's reference
    const needed = new Set([
      ...[...methods].flatMap((m) => METHOD_SCOPES[m]!),
      ...[...events].map((e) => EVENT_SCOPES[e] ?? `(no scope known for event ${e})`),
      ...(commands.size > 0 ? [SLASH_COMMAND_SCOPE] : []),
    ]);
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...needed].sort());

    expect(manifest.features.slash_commands.map((c) => c.command).sort()).toEqual([...commands].sort());
    expect([...manifest.settings.event_subscriptions.bot_events].sort()).toEqual([...events].sort());
    expect(manifest.settings.interactivity.is_enabled).toBe(handlesButtons);
    expect(manifest.settings.socket_mode_enabled).toBe(true); // the one-paste setup needs no public URL
  });
});

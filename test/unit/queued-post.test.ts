// The "Queued" message dispatch posts before it queues a job: keyed so a lost answer is never posted twice, and
// when it cannot be posted, nothing is queued and the person is told why in words that fit the cause.
import { describe, expect, it } from '@jest/globals';
import { COMMANDS } from '../../src/app/commands.js';
import { loadCatalogue } from '../../src/catalogue.js';
import { dispatch, type DispatchDeps } from '../../src/handlers/dispatch.js';
import type { Chat } from '../../src/integrations/slack.js';
import { silentLogger } from '../../src/log.js';
import type { Message } from '../../src/message.js';
import { loadPolicy } from '../../src/policy/policy.js';

const actor = { user: 'U0VIEWER', groups: [], channel: { id: 'C0GENERAL', name: 'general' } };

/** A Slack whose chat.postMessage answers with `postError` (shaped as the Web API's errors) when given. */
function slack(postError?: Error) {
  const posts: { key: string | undefined }[] = [];
  const whispers: string[] = [];
  const chat: Chat = {
    post: async (_channel, _message, _threadTs, key) => {
      if (postError) throw postError;
      posts.push({ key });
      return '1.1';
    },
    findPosted: async () => undefined,
    update: async () => undefined,
    ephemeral: async (_channel: string, _user: string, message: Message) => void whispers.push(message.text),
    upload: async () => undefined,
    channelName: async () => 'general',
  };
  return { chat, posts, whispers };
}

async function depsWith(chat: Chat) {
  const enqueued: string[] = [];
  const queue = {
    ping: async () => 'PONG',
    enqueue: async (_data: unknown, jobId: string) => void enqueued.push(jobId),
  };
  const deps = {
    commands: COMMANDS,
    policy: await loadPolicy('policy/policy.example.yaml'),
    catalogue: await loadCatalogue('catalogue/services.yaml'),
    kafkaClusters: [],
    queue,
    store: {},
    chat,
    log: silentLogger(),
  } as unknown as DispatchDeps;
  return { deps, enqueued };
}

const platformError = (reason: string) =>
  Object.assign(new Error(`An API error occurred: ${reason}`), { data: { ok: false, error: reason } });

describe('the "Queued" message', () => {
  it('is keyed by the job it announces, so a lost answer is looked for instead of posted twice', async () => {
    const { chat, posts } = slack();
    const { deps, enqueued } = await depsWith(chat);

    const outcome = await dispatch({ text: 'health', actor }, deps);

    expect(outcome).toMatchObject({ kind: 'queued' });
    expect(enqueued).toHaveLength(1);
    expect(posts).toEqual([{ key: enqueued[0] }]);
  });

  it('asks to invite the bot when Slack refuses it the channel, and queues nothing', async () => {
    const { chat, whispers } = slack(platformError('channel_not_found'));
    const { deps, enqueued } = await depsWith(chat);

    const outcome = await dispatch({ text: 'health', actor }, deps);

    expect(outcome).toMatchObject({ kind: 'unavailable' });
    expect(enqueued).toEqual([]);
    expect(whispers).toEqual([expect.stringContaining('/invite @carbon-ops')]);
  });

  it('says Slack did not confirm it, not "invite the bot", when the post failed otherwise', async () => {
    for (const error of [
      platformError('ratelimited'),
      new Error('socket hang up; Slack may have carried out chat.postMessage (no retries left)'),
    ]) {
      const { chat, whispers } = slack(error);
      const { deps, enqueued } = await depsWith(chat);

      const outcome = await dispatch({ text: 'health', actor }, deps);

      expect(outcome).toMatchObject({ kind: 'unavailable' });
      expect(enqueued).toEqual([]);
      expect(whispers).toEqual([expect.stringMatching(/Slack did not confirm it\), so nothing was started/)]);
      expect(whispers[0]).not.toContain('/invite');
    }
  });
});

import { COMMANDS } from '../../src/app/commands.js';
import { describe, expect, it } from '@jest/globals';
import { loadCatalogue } from '../../src/catalogue.js';
import { dispatch, type DispatchDeps } from '../../src/handlers/dispatch.js';
import type { Chat } from '../../src/integrations/slack.js';
import { silentLogger } from '../../src/log.js';
import { loadPolicy } from '../../src/policy/policy.js';
import type { Message } from '../../src/message.js';
import type { RestartRequest } from '../../src/features/restart/store.js';

/** A Slack that records whispers; `post` fails when told to. */
function fakeChat(options: { postFails?: boolean } = {}) {
  const whispers: string[] = [];
  const chat: Chat = {
    post: async () => {
      if (options.postFails) throw new Error('slack_webapi_platform_error: rate limited');
      return '2.2';
    },
    findPosted: async () => undefined,
    update: async () => undefined,
    ephemeral: async (_channel: string, _user: string, message: Message) => void whispers.push(message.text),
    upload: async () => undefined,
    channelName: async () => 'inc-demo',
  };
  return { chat, whispers };
}

const actor = { user: 'U0APPROVER', groups: [], channel: { id: 'C0INCIDENT', name: 'inc-demo' } };

async function deps(store: unknown, chat: Chat, queue: unknown = {}): Promise<DispatchDeps> {
  return {
    commands: COMMANDS,
    policy: await loadPolicy('policy/policy.example.yaml'),
    catalogue: await loadCatalogue('catalogue/services.yaml'),
    queue,
    store,
    chat,
    log: silentLogger(),
  } as unknown as DispatchDeps;
}

describe('approve and deny when something else fails', () => {
  it('tell the clicker "internal error" with an id when PostgreSQL is down, instead of throwing to Bolt', async () => {
    const down = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    };
    const requests = { get: down, expireDue: down, stuck: down };
    const store = { restarts: requests, phaseApplies: requests, vaultMigrations: requests, audit: { record: down } };
    for (const text of ['approve k7m2p9xq', 'deny k7m2p9xq']) {
      const { chat, whispers } = fakeChat();
      const outcome = await dispatch({ text, actor }, await deps(store, chat));
      expect(outcome.kind).toBe('unavailable');
      expect(whispers).toHaveLength(1);
      expect(whispers[0]).toMatch(/internal error while answering `(approve|deny)` \(error id [0-9a-f]{10}\)/);
      expect(whispers[0]).not.toMatch(/Redis/);
    }
  });

  it('do not blame Redis for a Slack failure, and leave the approval standing', async () => {
    const request = {
      id: 'k7m2p9xq',
      state: 'approved',
      requestedBy: 'U0OPERATOR',
      approvedBy: ['U0APPROVER'],
      approvalsRequired: 1,
      channel: 'C0INCIDENT',
      threadTs: '1.1',
      statusTs: '1.2',
      kind: 'deployment',
      name: 'superset',
      namespace: 'data-platform',
      cluster: 'demo',
      reason: 'r',
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 60_000),
    } as unknown as RestartRequest;
    let finished = false;
    let enqueued = false;
    const restarts = {
      action: 'restart',
      expireDue: async () => [],
      approve: async () => request,
      get: async () => request,
      setJob: async () => undefined,
      finish: async () => {
        finished = true;
        return request;
      },
    };
    const store = { restarts };
    const queue = { enqueue: async () => void (enqueued = true) };
    const { chat, whispers } = fakeChat({ postFails: true });
    const outcome = await dispatch({ text: 'approve k7m2p9xq', actor }, await deps(store, chat, queue));
    expect(outcome.kind).toBe('unavailable');
    expect(whispers.join('\n')).not.toMatch(/Redis|job queue/);
    expect(whispers.join('\n')).toMatch(/approval of request k7m2p9xq is recorded, but Slack refused/);
    expect(finished).toBe(false);
    expect(enqueued).toBe(false);
  });
});

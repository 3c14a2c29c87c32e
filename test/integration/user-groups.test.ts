import { REGISTRY } from '../../src/app/jobs.js';
import { COMMANDS } from '../../src/app/commands.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { loadCatalogue } from '../../src/catalogue.js';
import { loadConfig } from '../../src/config.js';
import { sendSlashCommand, startSlackStandin, type SlackStandin } from '../../src/devstack/slack/index.js';
import { startSlackApp, type SlackApp } from '../../src/handlers/slack-app.js';
import { createPool } from '../../src/integrations/postgres.js';
import { redisConnection } from '../../src/integrations/redis.js';
import { CommandQueue } from '../../src/jobs/queue.js';
import { silentLogger } from '../../src/log.js';
import { Policy } from '../../src/policy/policy.js';
import { Store } from '../../src/app/store.js';
import { freshDatabase } from '../support/postgres.js';
import { EVENT_WAIT_MS } from '../support/until.js';

/** A role given to a Slack user group reaches its members, read from Slack by the group's ID. */
const SECRET = 'groups-secret';
let slack: SlackStandin;
let bot: SlackApp;
let queue: CommandQueue;
let producer: Redis;
let store: Store;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let url: string;

beforeAll(async () => {
  slack = await startSlackStandin({ botToken: 'xoxb-test', usergroups: { S0READERS: ['U0GROUPIE'] } });
  db = await freshDatabase();
  store = new Store(createPool(db.url));
  await store.migrate();
  producer = redisConnection(loadConfig({}).REDIS_URL, 'producer');
  queue = new CommandQueue(`test-groups-${randomBytes(4).toString('hex')}`, producer, REGISTRY);
  const policy = new Policy({
    members: { S0READERS: 'viewer' },
    channels: {},
    commands: { health: { role: 'viewer', approvals: 0 } },
  });
  bot = await startSlackApp({
    botToken: 'xoxb-test',
    signingSecret: SECRET,
    apiUrl: slack.url,
    port: 0,
    log: silentLogger(),
    checks: {},
    dispatch: { commands: COMMANDS, policy, queue, store, catalogue: await loadCatalogue('catalogue/services.yaml') },
  });
  url = `http://127.0.0.1:${(bot.server.address() as { port: number }).port}/slack/events`;
});

afterAll(async () => {
  await bot?.close();
  await queue?.queue.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  producer?.disconnect();
  await store?.close();
  await db?.drop();
  await slack?.close();
});

describe('roles given to Slack user groups', () => {
  it("apply to the group's members and to nobody else", async () => {
    await sendSlashCommand(url, SECRET, { text: 'health', user_id: 'U0GROUPIE', channel_id: 'C0GENERAL' });
    await sendSlashCommand(url, SECRET, { text: 'health', user_id: 'U0OUTSIDER', channel_id: 'C0GENERAL' });
    const queued = await slack.waitFor(
      () => slack.messages('C0GENERAL').find((m) => m.text.includes('Queued')),
      EVENT_WAIT_MS,
    );
    expect(queued.text).toContain('U0GROUPIE');
    const refusal = await slack.waitFor(
      () => slack.ephemerals('C0GENERAL').find((e) => e.user === 'U0OUTSIDER'),
      EVENT_WAIT_MS,
    );
    expect(refusal.text).toContain('needs the viewer role; you have no carbon-ops role');
    expect(slack.calls.filter((c) => c.method === 'usergroups.users.list')).toHaveLength(1); // cached
    expect(await queue.queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
  });
});

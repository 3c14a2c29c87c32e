import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { buildBot, type BuiltBot } from '../../src/app/bot.js';
import { loadCatalogue } from '../../src/catalogue.js';
import { loadConfig } from '../../src/config.js';
import { sendSlashCommand, startSlackStandin, type SlackStandin } from '../../src/devstack/slack/index.js';
import { createPool } from '../../src/integrations/postgres.js';
import { silentLogger } from '../../src/log.js';
import { Policy } from '../../src/policy/policy.js';
import { Store } from '../../src/app/store.js';
import { freshDatabase } from '../support/postgres.js';
import { EVENT_WAIT_MS, untilReady } from '../support/until.js';

/** A role given to a Slack user group reaches its members, read from Slack by the group's ID. */
const SECRET = 'groups-secret';
let slack: SlackStandin;
let bot: BuiltBot;
let store: Store;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let url: string;

beforeAll(async () => {
  slack = await startSlackStandin({ botToken: 'xoxb-test', usergroups: { S0READERS: ['U0GROUPIE'] } });
  db = await freshDatabase();
  store = new Store(createPool(db.url));
  const policy = new Policy({
    members: { S0READERS: 'viewer' },
    channels: {},
    commands: { health: { role: 'viewer', approvals: 0 } },
  });
  const config = loadConfig({
    QUEUE_NAME: `test-groups-${randomBytes(4).toString('hex')}`,
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.url,
    PORT: '0',
  });
  bot = await buildBot({
    config,
    log: silentLogger(),
    policy,
    store,
    catalogue: await loadCatalogue('catalogue/services.yaml'),
  });
  url = bot.eventsUrl;
  await untilReady(url);
});

afterAll(async () => {
  await bot?.queue.queue.obliterate({ force: true }).catch(() => undefined);
  await bot?.close();
  await store?.close();
  await db?.drop();
  await slack?.close();
});

describe('roles given to Slack user groups', () => {
  it("apply to the group's members and to nobody else", async () => {
    await sendSlashCommand(url, SECRET, { text: 'health', user_id: 'U0GROUPIE', channel_id: 'C0GENERAL' });
    const queued = await slack.waitFor(
      () => slack.messages('C0GENERAL').find((m) => m.text.includes('Queued')),
      EVENT_WAIT_MS,
    );
    expect(queued.text).toContain('U0GROUPIE');
    // Only now: the first request has read the group, so the second one finds it in the cache.
    await sendSlashCommand(url, SECRET, { text: 'health', user_id: 'U0OUTSIDER', channel_id: 'C0GENERAL' });
    const refusal = await slack.waitFor(
      () => slack.ephemerals('C0GENERAL').find((e) => e.user === 'U0OUTSIDER'),
      EVENT_WAIT_MS,
    );
    expect(refusal.text).toContain('needs the viewer role; you have no carbon-ops role');
    expect(slack.calls.filter((c) => c.method === 'usergroups.users.list')).toHaveLength(1); // cached
    expect(await bot.queue.queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
  });
});

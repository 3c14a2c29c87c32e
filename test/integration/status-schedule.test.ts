import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { buildBot, type BuiltBot } from '../../src/app/bot.js';
import { loadCatalogue, type Catalogue } from '../../src/catalogue.js';
import { loadConfig, type Config } from '../../src/config.js';
import { startDemoCluster, type DemoCluster } from '../../src/devstack/demo.js';
import { checkMessage } from '../../src/devstack/slack/block-limits.js';
import { sendSlashCommand, startSlackStandin, type SlackStandin } from '../../src/devstack/slack/index.js';
import { createPool } from '../../src/integrations/postgres.js';
import { redisConnection } from '../../src/integrations/redis.js';
import { silentLogger } from '../../src/log.js';
import { loadPolicy } from '../../src/policy/policy.js';
import { STATUS_SCHEDULER_ID, STATUS_TICK_JOB } from '../../src/features/status/schedule.js';
import { Store } from '../../src/app/store.js';
import { freshDatabase } from '../support/postgres.js';
import type { ScheduleStart } from '../../src/features/status/scheduler.js';
import { eventually, startStatusInstance, type StatusInstance } from '../support/status-rig.js';
import { assertBotNeverRefused } from '../support/bot-rbac.js';
import { EVENT_WAIT_MS, REQUEST_TIMEOUT_MS, untilReady } from '../support/until.js';

/**
 * The daily status post on real parts: BullMQ's job scheduler on the real Redis, two worker instances
 * (each with its own connections and pool, as two processes have), PostgreSQL, the Kubernetes and
 * Slack stand-ins. A per-3-seconds cron stands in for "weekdays at 09:00".
 */
const STATUS = 'C0STATUS';
const SECRET = 'test-signing-secret';
let demo: DemoCluster;
let slack: SlackStandin;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let store: Store;
let catalogue: Catalogue;
const instances: StatusInstance[] = [];
const bots: BuiltBot[] = [];
const queues: string[] = [];

const configFor = (queueName: string, env: Record<string, string> = {}): Config => {
  queues.push(queueName);
  return loadConfig({
    QUEUE_NAME: queueName,
    STATUS_CHANNEL: STATUS,
    STATUS_TZ: 'UTC',
    KUBE_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    ...env,
  });
};
const start = async (config: Config) => {
  const instance = await startStatusInstance({ config, demo, slackUrl: slack.url, dbUrl: db.url, catalogue });
  instances.push(instance);
  return instance;
};
const stopAll = async () => {
  for (const instance of instances.splice(0)) await instance.stop();
};
/** Top-level messages in the status channel (chart uploads go in their threads). */
const posts = () => slack.messages(STATUS).filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts);
const caughtUpOf = (s: ScheduleStart) => (s.kind === 'on' ? s.caughtUp : 'off');
const queueName = (what: string) => `test-status-${what}-${randomBytes(4).toString('hex')}`;
/** Every job `instance`'s queue holds now has ended (a daily tick's next run waits, delayed, and is not counted). */
const settled = (instance: StatusInstance) =>
  eventually(async () => {
    const counts = await instance.queue.queue.getJobCounts('active', 'waiting', 'prioritized');
    return Object.values(counts).every((n) => n === 0);
  }, `the jobs of ${instance.queue.queue.name} ended`);

beforeAll(async () => {
  demo = await startDemoCluster({});
  slack = await startSlackStandin({ botToken: 'xoxb-test' });
  db = await freshDatabase();
  store = new Store(createPool(db.url));
  catalogue = await loadCatalogue('catalogue/services.yaml');
});

afterAll(async () => {
  for (const bot of bots) await bot.close();
  await stopAll();
  const redis = redisConnection(loadConfig({}).REDIS_URL, 'worker');
  for (const name of queues) {
    const queue = new Queue(name, { connection: redis });
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
  redis.disconnect();
  await store?.close();
  await db?.drop();
  await slack?.close();
  await demo?.close();
  assertBotNeverRefused(demo?.kube);
});

describe('the daily status scheduler with two workers running', () => {
  it('is registered once and posts exactly once per tick', async () => {
    const config = configFor(queueName('ticks'), { STATUS_CRON: '*/3 * * * * *' });
    const [a, b] = [await start(config), await start(config)];
    expect(a.start).toMatchObject({ kind: 'on', channel: STATUS });
    expect(caughtUpOf(a.start)).toBeUndefined();
    expect(b.start).toMatchObject({ kind: 'on', channel: STATUS });
    // One status scheduler however many register it (the queue also holds the approvals sweep's).
    expect((await a.queue.queue.getJobSchedulers()).filter((s) => s.key === STATUS_SCHEDULER_ID)).toHaveLength(1);
    expect(await a.queue.queue.getJobScheduler(STATUS_SCHEDULER_ID)).toMatchObject({
      pattern: '*/3 * * * * *',
      tz: 'UTC',
    });

    await eventually(
      async () => (await store.statusPosts.list(STATUS_SCHEDULER_ID)).filter((p) => p.state === 'posted').length >= 3,
      'three ticks posted',
    );
    await a.queue.queue.removeJobScheduler(STATUS_SCHEDULER_ID); // no further ticks; jobs in hand finish
    await eventually(async () => {
      const pending = await a.queue.queue.getJobs(['active', 'waiting', 'delayed']);
      return pending.every((job) => job.name !== STATUS_TICK_JOB);
    }, 'the status ticks drained');

    const rows = await store.statusPosts.list(STATUS_SCHEDULER_ID);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.every((r) => r.state === 'posted' && r.messageTs !== undefined && !r.late)).toBe(true);
    // One row per tick, ticks on the cron's 3-second grid, each with its own message, and no message without a row.
    const ticks = rows.map((r) => r.tickAt.getTime());
    expect(new Set(ticks).size).toBe(rows.length);
    expect(ticks.every((t) => t % 3000 === 0)).toBe(true);
    const messages = posts();
    expect(messages.map((m) => m.ts).sort()).toEqual(rows.map((r) => r.messageTs).sort());
    for (const message of messages) {
      expect(message.text).toMatch(
        /^Daily status · 254carbon-demo · \w{3} \d{4}-\d{2}-\d{2}: Platform health 76\.6% \(118 of 154 pods ready\)/,
      );
      expect(checkMessage({ text: message.text, blocks: message.blocks })).toBeUndefined();
    }
    // Every post after the first says how health moved since an earlier snapshot (the previous post's when it was done).
    for (const row of rows.slice(1)) {
      const text = JSON.stringify(messages.find((m) => m.ts === row.messageTs)!.blocks);
      expect(text).toMatch(/±0\.0 points since the previous (daily post|measurement) \(76\.6%, snapshot #\d+/);
    }
    // The trend chart is in each post's thread.
    const charts = slack.files().filter((f) => f.channel === STATUS && f.name.startsWith('health-trend-'));
    expect(charts.map((f) => f.thread_ts).sort()).toEqual(rows.map((r) => r.messageTs).sort());
  });

  it('posts once when two workers get the same tick at the same moment', async () => {
    const [a, b] = instances;
    const tick = Date.UTC(2025, 9, 27, 9, 0, 0);
    const before = posts().length;
    const data = { channel: STATUS, tickAt: tick, catchUp: true };
    await Promise.all([
      a!.queue.queue.add(STATUS_TICK_JOB, data as never, { jobId: 'twice-a' }),
      b!.queue.queue.add(STATUS_TICK_JOB, data as never, { jobId: 'twice-b' }),
    ]);
    const results = await eventually(async () => {
      const jobs = await Promise.all(['twice-a', 'twice-b'].map((id) => a!.queue.queue.getJob(id)));
      return jobs.every((j) => j?.finishedOn !== undefined) ? jobs.map((j) => String(j!.returnvalue)) : undefined;
    }, 'both jobs finished');
    expect(results.filter((r) => r.startsWith('posted tick 2025-10-27T09:00:00.000Z (late)'))).toHaveLength(1);
    expect(results.filter((r) => /already (claimed|posted) by job twice-/.test(r))).toHaveLength(1);
    expect(posts().length).toBe(before + 1);
    const row = await store.statusPosts.post(STATUS_SCHEDULER_ID, new Date(tick));
    expect(row).toMatchObject({ state: 'posted', late: true });
    await stopAll();
  });
});

describe('the tick ledger (status_posts)', () => {
  it('lets a retry of the same job resume with its message, refuses other jobs, and hands over an abandoned claim', async () => {
    const scheduler = 'ledger-test';
    const tickAt = new Date(Date.UTC(2025, 9, 28, 9));
    const claim = (jobId: string, staleAfterMs?: number) =>
      store.statusPosts.claim({
        scheduler,
        tickAt,
        channel: STATUS,
        jobId,
        ...(staleAfterMs !== undefined ? { staleAfterMs } : {}),
      });
    expect(await claim('job-1')).toEqual({ kind: 'claimed', resumed: false });
    await store.statusPosts.setMessage(scheduler, tickAt, 'job-1', '1700000000.000100');
    expect(await claim('job-1')).toEqual({ kind: 'claimed', resumed: true, messageTs: '1700000000.000100' }); // a retry edits its message
    expect(await claim('job-2')).toEqual({ kind: 'taken', state: 'claimed', jobId: 'job-1' });
    expect(await claim('job-2', 0)).toEqual({ kind: 'claimed', resumed: true, messageTs: '1700000000.000100' }); // abandoned: taken over
    expect(await store.statusPosts.markPosted(scheduler, tickAt, 'job-1', { late: false })).toBe(false); // the old holder lost it
    expect(await store.statusPosts.markPosted(scheduler, tickAt, 'job-2', { late: true })).toBe(true);
    expect(await claim('job-3', 0)).toEqual({ kind: 'taken', state: 'posted', jobId: 'job-2' }); // posted is final
  });
});

describe('a tick missed while everything was down', () => {
  it('is posted late, once, when the processes start again; a first start catches nothing up', async () => {
    // A daily post at a time six hours ago, in force for days: it was due while no process ran.
    const due = new Date(Math.floor((Date.now() - 6 * 3_600_000) / 60_000) * 60_000);
    const pattern = `${due.getUTCMinutes()} ${due.getUTCHours()} * * *`;
    await store.statusPosts.registerSchedule(STATUS_SCHEDULER_ID, pattern, 'UTC', STATUS);
    await store.pool.query(`UPDATE status_schedules SET since = now() - interval '2 days' WHERE id = $1`, [
      STATUS_SCHEDULER_ID,
    ]);
    const before = posts().length;

    const config = configFor(queueName('missed'), { STATUS_CRON: pattern });
    const [c, d] = await Promise.all([start(config), start(config)]); // two replicas start at once, both look
    const caughtUp = [c.start, d.start].map(caughtUpOf);
    expect(caughtUp).toContain(due.getTime()); // the other one, had it looked after the post, found nothing to do
    expect(caughtUp.every((t) => t === due.getTime() || t === undefined)).toBe(true);
    const row = await eventually(async () => {
      const r = await store.statusPosts.post(STATUS_SCHEDULER_ID, due);
      return r?.state === 'posted' ? r : undefined;
    }, 'the missed tick posted');
    expect(row.late).toBe(true);
    await settled(c); // both replicas have enqueued what they meant to: a second post would be made by now
    const added = posts().slice(before);
    expect(added).toHaveLength(1);
    expect(added[0]!.ts).toBe(row.messageTs);
    expect(JSON.stringify(added[0]!.blocks)).toMatch(
      /Posted late\*: this is the post due \w{3} \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC, 6 h( \d+ min)? ago/,
    );
    expect(added[0]!.text).toContain('(posted late)');

    // A process that starts later finds the tick posted: nothing more.
    const e = await start(config);
    expect(e.start.kind).toBe('on');
    expect(caughtUpOf(e.start)).toBeUndefined();

    // New settings are a new schedule: ticks from before they took effect were never due.
    const other = new Date(due.getTime() + 3_600_000);
    const f = await start(
      configFor(queueName('new'), { STATUS_CRON: `${other.getUTCMinutes()} ${other.getUTCHours()} * * *` }),
    );
    expect(f.start.kind).toBe('on');
    expect(caughtUpOf(f.start)).toBeUndefined();
    await Promise.all([settled(e), settled(f)]);
    expect(posts().slice(before)).toHaveLength(1);
    await stopAll();
  });
});

describe('/carbon status and /carbon schedule on demand', () => {
  it('post the same content in the asking channel, and show the schedule with its next runs', async () => {
    const config = configFor(queueName('ask'), {
      STATUS_CRON: '0 9 * * 1-5',
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      PORT: '0',
    });
    await start(config);
    const bot = await buildBot({
      config,
      log: silentLogger(),
      policy: await loadPolicy('policy/policy.example.yaml'),
      catalogue,
      store,
    });
    bots.push(bot);
    await untilReady(bot.eventsUrl);
    const slash = (text: string, user = 'U0VIEWER') =>
      sendSlashCommand(bot.eventsUrl, SECRET, {
        text,
        user_id: user,
        channel_id: 'C0GENERAL',
        channel_name: 'general',
      });

    expect((await slash('status')).status).toBe(200);
    const status = await slack.waitFor(
      () => slack.messages('C0GENERAL').find((m) => m.text.startsWith('Status · 254carbon-demo')),
      EVENT_WAIT_MS,
    );
    expect(checkMessage({ text: status.text, blocks: status.blocks })).toBeUndefined();
    const blocks = JSON.stringify(status.blocks);
    expect(blocks).toContain('Platform health 76.6% (118 of 154 pods ready)');
    expect(blocks).toContain('since the previous daily post');
    expect(blocks).toMatch(/Phase 4: Platform Stabilization & Hardening +0% ░{12}/); // the runbooks, nothing verified yet
    expect(blocks).toMatch(
      /\*Vault coverage 0\.0%\* \(0 of \d+ secrets in Vault\)\\nNot in Vault yet: `data-platform\//,
    );
    await slack.waitFor(
      () =>
        slack
          .files()
          .find((f) => f.channel === 'C0GENERAL' && f.thread_ts === status.ts && f.name.startsWith('health-trend-')),
      EVENT_WAIT_MS,
    );

    expect((await slash('schedule')).status).toBe(200);
    const schedule = await slack.waitFor(
      () => slack.messages('C0GENERAL').find((m) => m.text.startsWith('Daily status: 0 9 * * 1-5 UTC')),
      EVENT_WAIT_MS,
    );
    const text = JSON.stringify(schedule.blocks);
    expect(text).toContain('`0 9 * * 1-5` in UTC');
    expect(text).toContain(`<#${STATUS}>`);
    expect(text).toMatch(
      /Registered:\* ✅ in queue `test-status-ask-[0-9a-f]+`, next job \w{3} \d{4}-\d{2}-\d{2} 09:00 UTC/,
    );
    expect(text).toContain('*Last post:* for');

    await slash('status', 'U0STRANGER');
    const refusal = await slack.waitFor(
      () => slack.ephemerals('C0GENERAL').find((e) => e.user === 'U0STRANGER'),
      EVENT_WAIT_MS,
    );
    expect(refusal.text).toContain('needs the viewer role; you have no carbon-ops role');
    await stopAll();
  });
});

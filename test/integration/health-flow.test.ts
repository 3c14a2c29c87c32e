import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import { loadCatalogue } from '../../src/catalogue.js';
import { buildBot, type BuiltBot } from '../../src/app/bot.js';
import { buildWorker, type BuiltWorker } from '../../src/app/worker.js';
import { loadConfig, type Config } from '../../src/config.js';
import { startDemoCluster, type DemoCluster } from '../../src/devstack/demo.js';
import { checkMessage } from '../../src/devstack/slack/block-limits.js';
import { sendSlashCommand, startSlackStandin, type SlackStandin } from '../../src/devstack/slack/index.js';
import { Kube } from '../../src/integrations/kubernetes.js';
import { kubeAccessFromYaml } from '../../src/integrations/kubeconfig.js';
import { createPool } from '../../src/integrations/postgres.js';
import { slackChat } from '../../src/integrations/slack.js';
import type { CommandQueue } from '../../src/jobs/queue.js';
import { silentLogger } from '../../src/log.js';
import { loadPolicy } from '../../src/policy/policy.js';
import { Store } from '../../src/app/store.js';
import { freshDatabase } from '../support/postgres.js';
import { assertBotNeverRefused } from '../support/bot-rbac.js';
import { EVENT_WAIT_MS, until, untilReady } from '../support/until.js';

/**
 * The whole path on real parts: a signed Slack request → Bolt → policy → BullMQ on a real Redis →
 * a worker → the Kubernetes stand-in → PostgreSQL → chat.update on the Slack stand-in.
 */
const SECRET = 'test-signing-secret';
const log = silentLogger();

let demo: DemoCluster;
let slack: SlackStandin;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let store: Store;
let queue: CommandQueue;
let bot: BuiltBot;
let worker: BuiltWorker;
let config: Config;
let eventsUrl: string;

beforeAll(async () => {
  demo = await startDemoCluster({});
  slack = await startSlackStandin({ botToken: 'xoxb-test' });
  config = loadConfig({
    // The hang test waits this out, so it is the product's default rather than the rigs' REQUEST_TIMEOUT_MS;
    // still far above what a loaded machine takes to answer from the in-process stand-in.
    KUBE_REQUEST_TIMEOUT_MS: '10000',
    QUEUE_NAME: `test-health-${randomBytes(4).toString('hex')}`,
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.url,
    PORT: '0',
  });
  db = await freshDatabase();
  store = new Store(createPool(db.url));

  const kubeConfig = kubeAccessFromYaml(demo.botKubeconfigYaml()); // the bot runs as its ServiceAccount
  const kube = new Kube(kubeConfig, { requestTimeoutMs: config.KUBE_REQUEST_TIMEOUT_MS, pageSize: 50 });
  const chat = slackChat(new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 } }));
  const catalogue = await loadCatalogue('catalogue/services.yaml');
  worker = await buildWorker(
    { config, log, kube, cluster: { name: demo.clusterName, simulated: true }, store, catalogue, chat },
    { concurrency: 2, progressIntervalMs: 100 },
  );
  bot = await buildBot({ config, log, policy: await loadPolicy('policy/policy.example.yaml'), catalogue, store });
  queue = bot.queue;
  eventsUrl = bot.eventsUrl;
  await untilReady(eventsUrl);
});

afterAll(async () => {
  await worker?.close();
  await queue?.queue.obliterate({ force: true }).catch(() => undefined);
  await bot?.close();
  await store?.close();
  await db?.drop();
  await slack?.close();
  await demo?.close();
  assertBotNeverRefused(demo?.kube);
});

type Fields = Parameters<typeof sendSlashCommand>[2];
const slash = (text: string, user = 'U0VIEWER', extra: Partial<Fields> = {}) =>
  sendSlashCommand(eventsUrl, SECRET, {
    text,
    user_id: user,
    channel_id: 'C0GENERAL',
    channel_name: 'general',
    ...extra,
  });
/** Requests that got through start with a post: a message or a whisper. */
const posts = () =>
  slack.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.postEphemeral').length;

const finalMessage = (predicate: (text: string) => boolean, since = 0) =>
  slack.waitFor(
    () =>
      slack
        .messages('C0GENERAL')
        .slice(since)
        .find((m) => predicate(m.text ?? '')),
    EVENT_WAIT_MS,
  );

describe('/carbon health end to end', () => {
  it('acks at once, posts "queued", then edits it into the measured report', async () => {
    const response = await slash('health');
    expect(response.status).toBe(200);
    const report = await finalMessage((t) => t.startsWith('Platform health'));
    expect(report.text).toContain('Platform health 76.6% (118 of 154 pods ready)');
    expect(report.text).toContain('[simulated demo cluster]');
    expect(report.updates).toBeGreaterThanOrEqual(1); // queued → progress → report, by chat.update
    // Progress is coalesced: at most 4 progress edits and the report, whatever the number of pages (4 here).
    expect(report.updates).toBeLessThanOrEqual(5);
    // The job's saved progress (what the queue view shows) is its last state, not the first one sent.
    const done = await until('the health job completed', async () =>
      (await queue.queue.getJobs(['completed'])).find((j) => j.name === 'health-report'),
    );
    expect(done.progress).toEqual({ text: expect.stringMatching(/^Listed \d+ pods; reading workloads…$/) });
    expect(checkMessage({ text: report.text, blocks: report.blocks })).toBeUndefined();
    const blocksText = JSON.stringify(report.blocks);
    expect(blocksText).toContain('Simulated');
    expect(blocksText).toMatch(/dolphinscheduler\s+data-platform\s+5\/6/);

    const { rows } = await store.pool.query(
      'SELECT pods_ready, pods_total, pods_succeeded, health_pct, simulated FROM health_snapshots',
    );
    expect(rows).toEqual([
      expect.objectContaining({
        pods_ready: 118,
        pods_total: 154 + Number(rows[0].pods_succeeded),
        health_pct: '76.6',
        simulated: true,
      }),
    ]);
  });

  it('enqueues a command once when Slack retries it', async () => {
    const before = posts();
    const { completed: completedBefore = 0 } = await queue.queue.getJobCounts('completed');
    const fields = {
      text: 'health --namespace kafka',
      user_id: 'U0VIEWER',
      channel_id: 'C0GENERAL',
      trigger_id: 'trigger-retry',
    };
    const first = await sendSlashCommand(eventsUrl, SECRET, fields);
    const retry = await sendSlashCommand(eventsUrl, SECRET, fields, { retryNum: 1 });
    const again = await sendSlashCommand(eventsUrl, SECRET, fields, { retryNum: 2, retryReason: 'http_error' });
    expect([first.status, retry.status, again.status]).toEqual([200, 200, 200]);
    await slack.waitFor(
      () =>
        slack
          .messages('C0GENERAL')
          .find((m) => m.text?.startsWith('Platform health') && JSON.stringify(m.blocks).includes('namespace kafka')),
      EVENT_WAIT_MS,
    );
    // A later request, answered in full: the retries, handled before it, would have posted by now.
    const since = slack.messages('C0GENERAL').length;
    await slash('health --namespace monitoring');
    await finalMessage((t) => t.startsWith('Platform health'), since);
    expect(posts() - before).toBe(2);
    // Two jobs in all, once both have ended: the command's and the later request's.
    const counts = await until('the jobs to end', async () => {
      const c = await queue.queue.getJobCounts('completed', 'active', 'waiting', 'failed');
      return c.active === 0 && c.waiting === 0 ? c : undefined;
    });
    expect(counts).toMatchObject({ completed: completedBefore + 2, failed: 0 });
  });

  it('refuses bad signatures and skewed timestamps with 401, enqueuing nothing', async () => {
    const before = posts();
    const since = slack.messages('C0GENERAL').length;
    const now = Math.floor(Date.now() / 1000);
    const fields = { text: 'health', user_id: 'U0VIEWER', channel_id: 'C0GENERAL' };
    expect((await sendSlashCommand(eventsUrl, SECRET, fields, { badSignature: true })).status).toBe(401);
    expect((await sendSlashCommand(eventsUrl, SECRET, fields, { noSignature: true })).status).toBe(401);
    expect((await sendSlashCommand(eventsUrl, SECRET, fields, { timestampSec: now - 301 })).status).toBe(401);
    expect((await sendSlashCommand(eventsUrl, SECRET, fields, { timestampSec: now + 301 })).status).toBe(401);
    expect((await sendSlashCommand(eventsUrl, SECRET, fields, { timestampSec: now + 200 })).status).toBe(200); // within the window
    // The accepted one's report: the refused ones never reached a handler, so nothing else can post.
    await slack.waitFor(() => (posts() > before ? true : undefined), EVENT_WAIT_MS);
    await finalMessage((t) => t.startsWith('Platform health'), since);
    expect(posts() - before).toBe(1);
  });

  it('answers a usage error and a denial only to the requester', async () => {
    await slash('helth', 'U0VIEWER');
    await slash('health --namespace "$(rm -rf /)"', 'U0VIEWER');
    await slash('health', 'U0STRANGER');
    const whispers = await slack.waitFor(() => {
      const list = slack.ephemerals('C0GENERAL');
      return list.length >= 3 ? list : undefined;
    }, EVENT_WAIT_MS);
    const texts = whispers.map((w) => w.text);
    expect(texts).toEqual(
      expect.arrayContaining([
        expect.stringContaining('Unknown command `helth`'),
        expect.stringContaining('is not a valid Kubernetes name'),
        expect.stringContaining('needs the viewer role; you have no carbon-ops role'),
      ]),
    );
  });

  it('tells the user about an unknown namespace, after checking the cluster', async () => {
    await slash('health --namespace no-such-namespace', 'U0VIEWER');
    const message = await finalMessage((t) => t.includes('no-such-namespace') && t.startsWith('❌'));
    expect(message.text).toBe('❌ Namespace `no-such-namespace` does not exist in 254carbon-demo.');
  });

  it('fails with a clear message, bounded by the request timeout, when the Kubernetes API hangs', async () => {
    demo.kube.faults.hang = true;
    try {
      await slash('health --namespace monitoring', 'U0VIEWER');
      const message = await finalMessage((t) => t.startsWith('❌') && t.includes('did not answer'));
      expect(message.text).toMatch(/The Kubernetes API at https:\/\/127\.0\.0\.1:\d+ did not answer within 10 s/);
    } finally {
      demo.kube.faults.hang = false;
    }
  });
});

describe('readiness and a dead Redis', () => {
  it('keeps serving /healthz and tells the user when the queue is unreachable', async () => {
    const lonely = await buildBot({
      config: { ...config, REDIS_URL: 'redis://127.0.0.1:1', QUEUE_NAME: 'dead' },
      log,
      policy: await loadPolicy('policy/policy.example.yaml'),
      catalogue: await loadCatalogue('catalogue/services.yaml'),
      store,
    });
    try {
      const base = new URL(lonely.eventsUrl).origin;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ ready: false, checks: { postgres: 'ok' } });
      const before = slack.ephemerals('C0GENERAL').length;
      const response = await sendSlashCommand(`${base}/slack/events`, SECRET, {
        text: 'health',
        user_id: 'U0VIEWER',
        channel_id: 'C0GENERAL',
      });
      expect(response.status).toBe(200);
      const whisper = await slack.waitFor(
        () =>
          slack
            .ephemerals('C0GENERAL')
            .slice(before)
            .find((w) => w.text.includes('job queue')),
        EVENT_WAIT_MS,
      );
      expect(whisper.text).toContain('cannot reach its job queue (Redis) right now, so nothing was started');
      expect(slack.messages('C0GENERAL').some((m) => m.text?.includes('Queued') && m.updates === 0)).toBe(false);
    } finally {
      await lonely.close();
    }
  });
});

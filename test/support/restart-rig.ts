import { randomBytes } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import { loadCatalogue, type Catalogue } from '../../src/catalogue.js';
import { loadConfig, type Config } from '../../src/config.js';
import { loadScenario, startKubeStandin, type KubeStandin } from '../../src/devstack/kube/index.js';
import {
  FAKE_WORKSPACE,
  sendEvent,
  sendInteraction,
  sendSlashCommand,
  sendSocketEvent,
  sendSocketInteraction,
  sendSocketSlashCommand,
  startSlackStandin,
  type DeliverOptions,
  type SlackStandin,
} from '../../src/devstack/slack/index.js';
import { buildBot, type BuiltBot } from '../../src/app/bot.js';
import { buildWorker, type BuiltWorker, type WorkerDeps } from '../../src/app/worker.js';
import { sweepApprovals } from '../../src/app/approval-kinds.js';
import { Kube } from '../../src/integrations/kubernetes.js';
import { kubeAccessFromYaml } from '../../src/integrations/kubeconfig.js';
import { createPool } from '../../src/integrations/postgres.js';
import { slackChat } from '../../src/integrations/slack.js';
import type { CommandQueue } from '../../src/jobs/queue.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { loadPolicy, type Policy } from '../../src/policy/policy.js';
import { APPROVE_ACTION, DENY_ACTION } from '../../src/approvals/render.js';
import type { ApprovalRequest, ApprovalRequests } from '../../src/approvals/store.js';
import type { AuditRow } from '../../src/store/audit-log.js';
import { Store } from '../../src/app/store.js';
import type { RestartRequest } from '../../src/features/restart/store.js';
import { freshDatabase } from './postgres.js';
import { assertBotNeverRefused } from './bot-rbac.js';
import { startRecordingProxy, throughProxy, type RecordingProxy } from './recording-proxy.js';
import { EVENT_WAIT_MS, REQUEST_TIMEOUT_MS, untilReady } from './until.js';

export const SECRET = 'test-signing-secret';
/** The app-level token of Socket Mode, which the stand-in accepts for apps.connections.open. */
export const APP_TOKEN = 'xapp-1-test';

/** Clicks made in this process, to keep their action_ts apart. */
let clicks = 0;
export const CHANNELS = { C0INCIDENT: { name: 'inc-demo' }, C0GENERAL: { name: 'general' } };

/**
 * The stand-in cluster with the 254Carbon scenario, fast: pods ready in 150 ms, progress deadlines of 6 s
 * (600 s scaled): a rollout that makes no progress for that long fails, so it stays far above any stall of
 * a loaded machine between two pods.
 */
export async function fastCluster(): Promise<KubeStandin> {
  return startKubeStandin({
    scenario: await loadScenario('254carbon'),
    cluster: { podReadyDelayMs: 150, podTerminationDelayMs: 50, progressDeadlineScale: 0.01 },
  });
}

/** An @-mention of the bot as the Events API carries it. */
function mentionEvent(text: string, user: string, ts: string, channel: string) {
  return { type: 'app_mention', user, text: `<@${FAKE_WORKSPACE.botUserId}> ${text}`, ts, channel, event_ts: ts };
}

/**
 * Everything a restart travels through, on real parts: the Bolt app behind signed requests (or, with
 * `socketMode`, connected to the stand-in's Socket Mode), the Slack stand-in, BullMQ on the real Redis with a
 * private queue, a worker, the Kubernetes stand-in and a fresh PostgreSQL database.
 */
export class RestartRig {
  kube!: KubeStandin;
  slack!: SlackStandin;
  db!: Awaited<ReturnType<typeof freshDatabase>>;
  store!: Store;
  queue!: CommandQueue;
  bot!: BuiltBot;
  worker?: BuiltWorker;
  config!: Config;
  policy!: Policy;
  catalogue!: Catalogue;
  eventsUrl = '';
  queueName = `test-restart-${randomBytes(4).toString('hex')}`;
  /** With `recordKube`: every request the worker's jobs sent to the stand-in, as it went on the wire. */
  kubeWire?: RecordingProxy;

  /**
   * `log`: the bot's logger (silent by default), for a test that reads what the bot logged. `redisUrl`: a
   * Redis of the test's own (PrivateRedis); `postgresAdminUrl`: the server the fresh database is made on
   * (PrivatePostgres); `recordKube`: the worker's jobs reach the stand-in through a recording proxy.
   */
  async start(
    options: {
      worker?: boolean;
      env?: Record<string, string>;
      socketMode?: boolean;
      log?: Logger;
      redisUrl?: string;
      postgresAdminUrl?: string;
      recordKube?: boolean;
    } = {},
  ): Promise<this> {
    this.kube = await fastCluster();
    if (options.recordKube) this.kubeWire = await startRecordingProxy(this.kube.url, this.kube.ca);
    this.slack = await startSlackStandin({
      botToken: 'xoxb-test',
      appToken: APP_TOKEN,
      channels: CHANNELS,
      // Slack waits 3 s for an ack; a loaded machine may take longer without anything being wrong. One retry of an
      // event, at once (Slack's later ones come after minutes, which a failing test need not wait out).
      socketMode: { ackTimeoutMs: REQUEST_TIMEOUT_MS, retryDelaysMs: [0] },
    });
    this.config = loadConfig({
      RESTART_POLL_MS: '100',
      KUBE_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      QUEUE_NAME: this.queueName,
      SLACK_BOT_TOKEN: 'xoxb-test',
      ...(options.socketMode ? { SLACK_APP_TOKEN: APP_TOKEN } : { SLACK_SIGNING_SECRET: SECRET }),
      SLACK_API_URL: this.slack.url,
      PORT: '0',
      ...options.env,
    });
    // The settings' schema wants redis://; a private Redis listens on a socket path, which ioredis takes too.
    if (options.redisUrl !== undefined) this.config = { ...this.config, REDIS_URL: options.redisUrl };
    this.db = await freshDatabase(options.postgresAdminUrl === undefined ? {} : { adminUrl: options.postgresAdminUrl });
    this.store = new Store(createPool(this.db.url));
    this.policy = await loadPolicy('policy/policy.example.yaml');
    this.catalogue = await loadCatalogue('catalogue/services.yaml');
    if (options.worker !== false) await this.startWorker();
    this.bot = await buildBot({
      config: this.config,
      log: options.log ?? silentLogger(),
      policy: this.policy,
      catalogue: this.catalogue,
      store: this.store,
    });
    this.queue = this.bot.queue;
    this.eventsUrl = this.bot.eventsUrl;
    await untilReady(this.eventsUrl);
    return this;
  }

  /** What the worker's jobs use: the bot's ServiceAccount on the stand-in, the Slack stand-in, the store. */
  workerDeps(): WorkerDeps {
    const yaml = this.kube.botKubeconfigYaml(); // the bot runs as its ServiceAccount
    const access = kubeAccessFromYaml(this.kubeWire !== undefined ? throughProxy(yaml, this.kubeWire) : yaml);
    const kube = new Kube(access, { requestTimeoutMs: this.config.KUBE_REQUEST_TIMEOUT_MS, pageSize: 500 });
    const chat = slackChat(new WebClient('xoxb-test', { slackApiUrl: this.slack.url, retryConfig: { retries: 0 } }));
    return {
      config: this.config,
      log: silentLogger(),
      kube,
      cluster: { name: '254carbon-demo', simulated: true },
      store: this.store,
      catalogue: this.catalogue,
      chat,
    };
  }

  async startWorker(): Promise<BuiltWorker> {
    this.worker = await buildWorker(this.workerDeps(), { concurrency: 4, progressIntervalMs: 50 });
    return this.worker;
  }

  /** One run of the approvals sweep, as the scheduled job runs it on a worker. */
  sweep(): Promise<void> {
    return sweepApprovals({ ...this.workerDeps(), queue: this.queue });
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    await this.queue?.queue.obliterate({ force: true }).catch(() => undefined);
    await this.bot?.close();
    await this.store?.close();
    await this.db?.drop();
    await this.slack?.close();
    await this.kubeWire?.close();
    await this.kube?.close();
    assertBotNeverRefused(this.kube);
  }

  slash(text: string, user: string, channel: keyof typeof CHANNELS = 'C0INCIDENT') {
    return sendSlashCommand(this.eventsUrl, SECRET, this.slashFields(text, user, channel));
  }

  mention(text: string, user: string, ts: string, channel: keyof typeof CHANNELS = 'C0INCIDENT') {
    return sendEvent(this.eventsUrl, SECRET, mentionEvent(text, user, ts, channel));
  }

  /** A click on the plan's Approve or Deny button, as Slack posts it. */
  click(button: 'approve' | 'deny', request: RestartRequest, user: string) {
    return sendInteraction(this.eventsUrl, SECRET, this.clickPayload(button, request, user));
  }

  /** `slash`, as a Socket Mode envelope (the rig started with `socketMode`); resolves once acked or given up. */
  socketSlash(text: string, user: string, channel: keyof typeof CHANNELS = 'C0INCIDENT') {
    return sendSocketSlashCommand(this.slack, this.slashFields(text, user, channel));
  }

  /** `mention`, as a Socket Mode envelope; the same `eventId` is what Slack's retries carry. */
  socketMention(
    text: string,
    user: string,
    ts: string,
    opts: DeliverOptions & { eventId?: string; channel?: keyof typeof CHANNELS } = {},
  ) {
    const { channel = 'C0INCIDENT', ...deliver } = opts;
    return sendSocketEvent(this.slack, mentionEvent(text, user, ts, channel), deliver);
  }

  /** `click`, as a Socket Mode envelope. */
  socketClick(button: 'approve' | 'deny', request: RestartRequest, user: string) {
    return sendSocketInteraction(this.slack, this.clickPayload(button, request, user));
  }

  private slashFields(text: string, user: string, channel: keyof typeof CHANNELS) {
    return {
      text,
      user_id: user,
      channel_id: channel,
      channel_name: CHANNELS[channel].name,
      response_url: this.slack.responseUrl(),
    };
  }

  /**
   * The `block_actions` payload of a click. Its action_ts is unique, as Slack's (microseconds) are: two
   * clicks in the same millisecond are two clicks, not one sent twice.
   */
  clickPayload(button: 'approve' | 'deny', request: RestartRequest, user: string) {
    const micros = (Date.now() * 1000 + (clicks++ % 1000)).toString();
    return {
      type: 'block_actions',
      team: { id: FAKE_WORKSPACE.teamId },
      user: { id: user },
      channel: { id: request.channel, name: CHANNELS[request.channel as keyof typeof CHANNELS]?.name },
      container: { type: 'message', message_ts: request.planTs, channel_id: request.channel },
      api_app_id: FAKE_WORKSPACE.appId,
      trigger_id: `${Date.now()}.${randomBytes(6).toString('hex')}`,
      response_url: this.slack.responseUrl(),
      actions: [
        {
          type: 'button',
          action_id: button === 'approve' ? APPROVE_ACTION : DENY_ACTION,
          block_id: `restart-${request.id}`,
          value: request.id,
          action_ts: `${micros.slice(0, -6)}.${micros.slice(-6)}`,
        },
      ],
    };
  }

  /** Asks, as U0OPERATOR in the incident channel, to restart `service` (`workload` when named otherwise); its plan. */
  async pendingRestart(service: string, reason: string, workload = service): Promise<RestartRequest> {
    await this.slash(`restart ${service} --reason "${reason}"`, 'U0OPERATOR');
    return this.waitForPlanned(workload);
  }

  /** Waits until `workload`'s restart request has its plan posted and awaits approval. */
  waitForPlanned(workload: string): Promise<RestartRequest> {
    return this.waitForRequest((r) => r.name === workload && r.planTs !== undefined && r.state === 'pending');
  }

  /** Polls PostgreSQL until a restart request matches. */
  waitForRequest(predicate: (r: RestartRequest) => boolean, timeoutMs = EVENT_WAIT_MS): Promise<RestartRequest> {
    return this.waitForApproval(this.store.restarts, predicate, timeoutMs);
  }

  /** Polls PostgreSQL until a request of `requests`' kind (say, store.phaseApplies) matches, the newest first. */
  async waitForApproval<R extends ApprovalRequest>(
    requests: ApprovalRequests<R>,
    predicate: (r: R) => boolean,
    timeoutMs = EVENT_WAIT_MS,
  ): Promise<R> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await this.store.pool.query<{ id: string }>(
        `SELECT id FROM ${requests.kind.table} ORDER BY created_at DESC`,
      );
      for (const { id } of rows) {
        const request = await requests.get(id);
        if (request && predicate(request)) return request;
      }
      if (Date.now() > deadline)
        throw new Error(
          `no request in ${requests.kind.table} matched within ${timeoutMs} ms: ${JSON.stringify(rows)}\n${await this.whatHappened()}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** For a failure message: what Slack was told, and the jobs that failed or are still in the queue. */
  async whatHappened(): Promise<string> {
    const said = Object.keys(CHANNELS).flatMap((channel) => [
      ...this.slack.messages(channel).map((m) => `${channel} message: ${m.text}`),
      ...this.slack.ephemerals(channel).map((e) => `${channel} to ${e.user}: ${e.text}`),
    ]);
    const failed = (await this.queue.queue.getFailed()).map((j) => `failed job ${j.id}: ${j.failedReason}`);
    const counts = JSON.stringify(await this.queue.queue.getJobCounts());
    return [...said.slice(-10).map((line) => line.slice(0, 300)), ...failed, `jobs: ${counts}`].join('\n');
  }

  async audit(where: { requestId?: string; actor?: string } = {}): Promise<AuditRow[]> {
    const rows = await this.store.audit.list({ since: new Date(0) }, 1000);
    return rows
      .filter(
        (r) =>
          (where.requestId === undefined || r.requestId === where.requestId) &&
          (where.actor === undefined || r.actor === where.actor),
      )
      .reverse();
  }

  whispers(user: string, channel: keyof typeof CHANNELS = 'C0INCIDENT') {
    return this.slack.ephemerals(channel).filter((e) => e.user === user);
  }

  async whisper(user: string, pattern: RegExp, channel: keyof typeof CHANNELS = 'C0INCIDENT') {
    return this.slack.waitFor(() => this.whispers(user, channel).find((e) => pattern.test(e.text)), EVENT_WAIT_MS);
  }
}

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { loadCatalogue } from '../../src/catalogue.js';
import { buildBot, type BuiltBot } from '../../src/app/bot.js';
import { buildWorker, type BuiltWorker } from '../../src/app/worker.js';
import { loadConfig, type Config } from '../../src/config.js';
import { startDemoCluster, type DemoCluster } from '../../src/devstack/demo.js';
import { sendSlashCommand, startSlackStandin, type SlackStandin } from '../../src/devstack/slack/index.js';
import { Kube } from '../../src/integrations/kubernetes.js';
import { kubeAccessFromYaml } from '../../src/integrations/kubeconfig.js';
import { PromMetrics } from '../../src/integrations/metrics.js';
import { createPool } from '../../src/integrations/postgres.js';
import { createSlackClient, slackChat } from '../../src/integrations/slack.js';
import { silentLogger } from '../../src/log.js';
import { loadPolicy } from '../../src/policy/policy.js';
import { Store } from '../../src/app/store.js';
import { freshDatabase } from '../support/postgres.js';
import { promtool, startPrometheus, type PrivatePrometheus } from '../support/prometheus.js';
import { EVENT_WAIT_MS, untilReady } from '../support/until.js';

/**
 * A real Prometheus (Debian's package) scrapes a real worker and a real bot while a command goes
 * through them: what an operator's dashboard would show, read back through Prometheus' HTTP API.
 */
const SECRET = 'test-signing-secret';
const log = silentLogger();

let demo: DemoCluster;
let slack: SlackStandin;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let store: Store;
let bot: BuiltBot;
let worker: BuiltWorker;
let prometheus: PrivatePrometheus;
let config: Config;

const port = (server: { address(): unknown }) => (server.address() as { port: number }).port;

beforeAll(async () => {
  demo = await startDemoCluster({});
  slack = await startSlackStandin({ botToken: 'xoxb-test' });
  config = loadConfig({
    QUEUE_NAME: `test-metrics-${randomBytes(4).toString('hex')}`,
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.url,
    PORT: '0',
  });
  db = await freshDatabase();
  // The worker composed as `carbon worker` composes it: one metrics object for the store, the cluster and Slack.
  const metrics = new PromMetrics();
  store = new Store(createPool(db.url), metrics);
  const kubeConfig = kubeAccessFromYaml(demo.botKubeconfigYaml());
  const kube = new Kube(kubeConfig, { requestTimeoutMs: config.KUBE_REQUEST_TIMEOUT_MS, pageSize: 50, metrics });
  const client = createSlackClient({ token: 'xoxb-test', apiUrl: slack.url }); // production's retries on 429
  const catalogue = await loadCatalogue('catalogue/services.yaml');
  worker = await buildWorker(
    {
      config,
      log,
      kube,
      cluster: { name: demo.clusterName, simulated: true },
      store,
      catalogue,
      chat: slackChat(client, metrics),
      metrics,
    },
    { concurrency: 2, progressIntervalMs: 100, probesPort: 0 },
  );
  bot = await buildBot(
    { config, log, policy: await loadPolicy('policy/policy.example.yaml'), catalogue, store },
    { statusSchedule: false },
  );
  await untilReady(bot.eventsUrl);
  prometheus = await startPrometheus([
    { job: 'carbon-worker', address: `127.0.0.1:${port(worker.probes!)}` },
    { job: 'carbon-bot', address: `127.0.0.1:${port(bot.slack.server)}` },
  ]);
});

afterAll(async () => {
  await prometheus?.close();
  await worker?.close();
  await worker?.queue.queue.obliterate({ force: true }).catch(() => undefined);
  await bot?.close();
  await store?.close();
  await db?.drop();
  await slack?.close();
  await demo?.close();
});

const scrape = async (url: string) => {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text() };
};

describe('metrics', () => {
  it('a real Prometheus scrapes the bot and the worker and sees a command go through', async () => {
    await prometheus.untilPresent('up{job="carbon-worker"} == 1');
    await prometheus.untilPresent('up{job="carbon-bot"} == 1');

    // Slack answers the worker's first edit with 429 and Retry-After: 1; the client waits and edits again.
    slack.rateLimitNext('chat.update', 1);
    const response = await sendSlashCommand(bot.eventsUrl, SECRET, {
      text: 'health',
      user_id: 'U0VIEWER',
      channel_id: 'C0GENERAL',
      channel_name: 'general',
    });
    expect(response.status).toBe(200);
    await slack.waitFor(
      () => slack.messages('C0GENERAL').find((m) => (m.text ?? '').startsWith('Platform health')),
      EVENT_WAIT_MS,
    );

    const commands = await prometheus.untilPresent('carbon_commands_total{command="health",job="carbon-bot"}');
    expect(commands[0]!.metric.outcome).toBe('queued');
    expect(Number(commands[0]!.value[1])).toBe(1);
    const jobs = await prometheus.untilPresent(
      'carbon_job_duration_seconds_count{job="carbon-worker",job_name="health-report",outcome="done"}',
    );
    expect(Number(jobs[0]!.value[1])).toBe(1);
    // The health job listed the cluster's pods through the instrumented client, and edited its message.
    await prometheus.untilPresent(
      'carbon_kubernetes_request_duration_seconds_count{operation="list pods",outcome="ok"}',
    );
    await prometheus.untilPresent('carbon_slack_api_calls_total{method="chat.update",outcome="ok"}');
    const limited = await prometheus.untilPresent(
      'carbon_slack_rate_limited_total{job="carbon-worker",method="chat.update"} == 1',
    );
    expect(limited).toHaveLength(1);
    await prometheus.untilPresent('carbon_slack_retry_after_seconds_sum{job="carbon-worker"} == 1');
    const queue = await prometheus.untilPresent(`carbon_queue_jobs{queue="${config.QUEUE_NAME}",state="waiting"}`);
    expect(queue.map((s) => s.metric.job).sort()).toEqual(['carbon-bot', 'carbon-worker']);
    await prometheus.untilPresent('process_cpu_seconds_total{job="carbon-worker"}');
  });

  it("counts a command nobody could parse as `unparsed`, never by the person's words", async () => {
    const response = await sendSlashCommand(bot.eventsUrl, SECRET, {
      text: 'frobnicate hunter2',
      user_id: 'U0VIEWER',
      channel_id: 'C0GENERAL',
      channel_name: 'general',
    });
    expect(response.status).toBe(200);
    await prometheus.untilPresent('carbon_commands_total{command="unparsed",outcome="usage_error"} == 1');
    const all = await prometheus.query('{__name__=~"carbon_.+"}');
    expect(JSON.stringify(all)).not.toMatch(/frobnicate|hunter2/);
  });

  it("promtool check metrics accepts the worker's and the bot's /metrics", async () => {
    const fromWorker = await scrape(`http://127.0.0.1:${port(worker.probes!)}/metrics`);
    expect(fromWorker.status).toBe(200);
    expect(fromWorker.type).toContain('text/plain');
    for (const name of [
      'carbon_commands_total',
      'carbon_job_duration_seconds',
      'carbon_queue_jobs',
      'carbon_slack_api_calls_total',
      'carbon_slack_rate_limited_total',
      'carbon_kubernetes_request_duration_seconds',
      'carbon_vault_request_duration_seconds',
      'carbon_kafka_request_duration_seconds',
      'carbon_audit_write_failures_total',
      'carbon_status_post_last_success_timestamp_seconds',
      'process_resident_memory_bytes',
    ])
      expect(fromWorker.body).toContain(`# TYPE ${name} `);
    const checked = promtool(['check', 'metrics'], fromWorker.body);
    expect(checked).toEqual({ status: 0, output: '' });

    const fromBot = await scrape(new URL('/metrics', bot.eventsUrl).toString());
    expect(fromBot.body).toContain('# TYPE carbon_approval_requests gauge');
    expect(promtool(['check', 'metrics'], fromBot.body)).toEqual({ status: 0, output: '' });
  });
});

import { REGISTRY } from './jobs.js';
import { COMMANDS } from './commands.js';
import { kafkaClusters, requireFor, ConfigError, type Config } from '../config.js';
import type { Catalogue } from '../catalogue.js';
import { Closer, loadRules, openStore } from './deps.js';
import { startSlackApp, type SlackApp } from '../handlers/slack-app.js';
import { onReady, redisConnection, watchRedisSetup } from '../integrations/redis.js';
import { CommandQueue } from '../jobs/queue.js';
import { keepStatusScheduled } from '../features/status/scheduler.js';
import type { Logger } from '../log.js';
import type { Policy } from '../policy/policy.js';
import type { Store } from './store.js';
import { runUntilSignal } from './worker.js';
import { PromMetrics } from '../integrations/metrics.js';
import { approvalCounts } from './approval-kinds.js';
import { alertmanagerRoute } from '../handlers/alertmanager.js';
import { loadAlertRoutes } from '../features/incidents/routes.js';

/** What the bot uses, built by the caller and passed in: `carbon bot` from the settings, a test with its own. */
export interface BotDeps {
  /** SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET or SLACK_APP_TOKEN, SLACK_API_URL, REDIS_URL, QUEUE_NAME, PORT. */
  config: Config;
  log: Logger;
  policy: Policy;
  catalogue: Catalogue;
  store: Store;
  /** This process's metrics, served at /metrics; buildBot makes its own when not given. */
  metrics?: PromMetrics;
}

export interface BuildBotOptions {
  /** Register the daily status schedule, as every bot and worker does on start (the default). */
  statusSchedule?: boolean;
}

export interface BuiltBot {
  /** The Bolt app and its HTTP server (events in HTTP mode, the probes in both modes). */
  slack: SlackApp;
  /** `http://127.0.0.1:PORT/slack/events`: where Slack's requests go in HTTP mode. */
  eventsUrl: string;
  /** The producer side of the queue the workers serve. */
  queue: CommandQueue;
  /** What /metrics serves. */
  metrics: PromMetrics;
  /** The status schedule's registration, retried until it works; absent with `statusSchedule: false`. */
  schedule?: ReturnType<typeof keepStatusScheduled>;
  close(): Promise<void>;
}

/**
 * The bot's composition: a fail-fast producer on Redis, the queue, the Bolt app with its listeners and
 * the probes (readiness checks Redis and PostgreSQL), and the daily status schedule. `carbon bot` and
 * every test that sends Slack requests build it here.
 */
export async function buildBot(deps: BotDeps, options: BuildBotOptions = {}): Promise<BuiltBot> {
  const { config, log, store } = deps;
  const closer = new Closer();
  try {
    const redis = redisConnection(config.REDIS_URL, 'producer');
    closer.add(async () => redis.disconnect());
    const queue = new CommandQueue(config.QUEUE_NAME, redis, REGISTRY);
    closer.add(() => queue.close());
    const setup = watchRedisSetup(redis, log);
    closer.add(async () => setup.stop());
    const metrics = deps.metrics ?? new PromMetrics();
    metrics.watchQueue(config.QUEUE_NAME, (...states) => queue.queue.getJobCounts(...states));
    metrics.watchApprovals(() => approvalCounts(store));
    const receiver = alertmanagerRoute({
      token: config.ALERTMANAGER_WEBHOOK_TOKEN,
      routes: await loadAlertRoutes(config.ALERT_ROUTES_FILE),
      defaultChannel: config.INCIDENT_CHANNEL,
      queue,
      log,
    });
    const slack = await startSlackApp({
      botToken: config.SLACK_BOT_TOKEN ?? '',
      ...(config.SLACK_SIGNING_SECRET ? { signingSecret: config.SLACK_SIGNING_SECRET } : {}),
      ...(config.SLACK_APP_TOKEN ? { appToken: config.SLACK_APP_TOKEN } : {}),
      ...(config.SLACK_API_URL ? { apiUrl: config.SLACK_API_URL } : {}),
      port: config.PORT,
      log,
      checks: { redis: () => queue.ping(), postgres: () => store.ping() },
      warnings: setup.warnings,
      exposition: () => metrics.exposition(),
      routes: [receiver],
      dispatch: {
        commands: COMMANDS,
        policy: deps.policy,
        catalogue: deps.catalogue,
        kafkaClusters: [...kafkaClusters(config).keys()],
        queue,
        store,
        metrics,
      },
    });
    closer.add(() => slack.close());
    const port = (slack.server.address() as { port: number }).port;
    const built: BuiltBot = {
      slack,
      eventsUrl: `http://127.0.0.1:${port}/slack/events`,
      queue,
      metrics,
      close: () => closer.closeAll(),
    };
    if (options.statusSchedule !== false) {
      // The bot registers the daily status schedule too (the workers post it): one scheduler however many run.
      const schedule = keepStatusScheduled({ queue: queue.queue, store, config, log });
      closer.add(async () => schedule.stop());
      const reschedule = onReady(redis, schedule.again); // Redis may come back empty: register it again
      closer.add(async () => reschedule());
      built.schedule = schedule;
    }
    return built;
  } catch (error) {
    await closer.closeAll();
    throw error;
  }
}

/** `carbon bot`: the Slack app until SIGTERM, then exit 0. It keeps serving /healthz when Redis is down and tells users so. */
export async function runBot(config: Config, log: Logger): Promise<number> {
  // Every replica must share one database (approvals, the audit trail): no embedded fallback here.
  requireFor('bot', config, ['SLACK_BOT_TOKEN', 'DATABASE_URL']);
  if (config.SLACK_APP_TOKEN === undefined && config.SLACK_SIGNING_SECRET === undefined) {
    throw new ConfigError(
      'Invalid settings for `carbon bot`: set SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode).',
    );
  }
  return runUntilSignal('bot', log, async (closer) => {
    const { policy, catalogue } = await loadRules(config);
    const metrics = new PromMetrics();
    const store = await openStore(config, log, closer, metrics);
    const bot = await buildBot({ config, log, policy, catalogue, store: store.value, metrics });
    closer.add(() => bot.close());
    log.info(
      { port: config.PORT, mode: config.SLACK_APP_TOKEN ? 'socket' : 'http', store: store.description },
      'bot started',
    );
  });
}

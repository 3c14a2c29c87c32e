import { REGISTRY } from './jobs.js';
import { COMMANDS } from './commands.js';
import { requireFor, ConfigError, type Config } from '../config.js';
import { Closer, loadRules, openStore } from './deps.js';
import { startSlackApp } from '../handlers/slack-app.js';
import { redisConnection } from '../integrations/redis.js';
import { CommandQueue } from '../jobs/queue.js';
import { keepStatusScheduled } from '../features/status/scheduler.js';
import type { Logger } from '../log.js';
import { untilSignal } from './worker.js';

/** `carbon bot`: the Slack app. It keeps serving /healthz when Redis is down and tells users so. */
export async function runBot(config: Config, log: Logger): Promise<number> {
  // Every replica must share one database (approvals, the audit trail): no embedded fallback here.
  requireFor('bot', config, ['SLACK_BOT_TOKEN', 'DATABASE_URL']);
  if (config.SLACK_APP_TOKEN === undefined && config.SLACK_SIGNING_SECRET === undefined) {
    throw new ConfigError(
      'Invalid settings for `carbon bot`: set SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode).',
    );
  }
  const closer = new Closer();
  const { policy, catalogue } = await loadRules(config);
  const store = await openStore(config, log, closer);
  const redis = redisConnection(config.REDIS_URL, 'producer');
  closer.add(async () => redis.disconnect());
  const queue = new CommandQueue(config.QUEUE_NAME, redis, REGISTRY);
  closer.add(() => queue.close());
  const slack = await startSlackApp({
    botToken: config.SLACK_BOT_TOKEN!,
    ...(config.SLACK_SIGNING_SECRET ? { signingSecret: config.SLACK_SIGNING_SECRET } : {}),
    ...(config.SLACK_APP_TOKEN ? { appToken: config.SLACK_APP_TOKEN } : {}),
    ...(config.SLACK_API_URL ? { apiUrl: config.SLACK_API_URL } : {}),
    port: config.PORT,
    log,
    checks: { redis: () => queue.ping(), postgres: () => store.value.ping() },
    dispatch: { commands: COMMANDS, policy, catalogue, queue, store: store.value },
  });
  closer.add(() => slack.close());
  // The bot registers the daily status schedule too (the workers post it): one scheduler however many run.
  const schedule = keepStatusScheduled({ queue: queue.queue, store: store.value, config, log });
  closer.add(async () => schedule.stop());
  log.info(
    { port: config.PORT, mode: config.SLACK_APP_TOKEN ? 'socket' : 'http', store: store.description },
    'bot started',
  );
  await untilSignal();
  await closer.closeAll();
  return 0;
}

import { scheduleApprovalsSweep } from '../approvals/sweep.js';
import { REGISTRY } from './jobs.js';
import { requireFor, type Config } from '../config.js';
import { Closer, loadRules, openCluster, openStore } from './deps.js';
import { probeRoutes, serveProbes } from '../handlers/probes.js';
import { createSlackClient, slackChat } from '../integrations/slack.js';
import { redisConnection } from '../integrations/redis.js';
import { CommandQueue } from '../jobs/queue.js';
import { keepStatusScheduled } from '../features/status/scheduler.js';
import { startWorker } from '../jobs/runner.js';
import type { Logger } from '../log.js';

/** `carbon worker`: runs queued jobs against the configured cluster until SIGTERM. */
export async function runWorker(config: Config, log: Logger): Promise<number> {
  // Every replica must share one database (approvals, the audit trail): no embedded fallback here.
  requireFor('worker', config, ['SLACK_BOT_TOKEN', 'DATABASE_URL']);
  const closer = new Closer();
  const { catalogue } = await loadRules(config);
  const [cluster, store] = await Promise.all([openCluster(config, closer), openStore(config, log, closer)]);
  const chat = slackChat(
    createSlackClient({
      token: config.SLACK_BOT_TOKEN!,
      ...(config.SLACK_API_URL ? { apiUrl: config.SLACK_API_URL } : {}),
    }),
  );
  const connection = redisConnection(config.REDIS_URL, 'worker');
  closer.add(async () => connection.disconnect());
  // Follow-up jobs (a rollout after an approval, an expiry) go on the same queue through a fail-fast producer.
  const producer = redisConnection(config.REDIS_URL, 'producer');
  closer.add(async () => producer.disconnect());
  const queue = new CommandQueue(config.QUEUE_NAME, producer, REGISTRY);
  closer.add(() => queue.close());
  const worker = startWorker({ config, log, ...cluster.value, store: store.value, catalogue, chat, queue }, REGISTRY, {
    queueName: config.QUEUE_NAME,
    connection,
    concurrency: config.WORKER_CONCURRENCY,
    lockDurationMs: config.WORKER_LOCK_DURATION_MS,
  });
  closer.add(() => worker.close());
  await scheduleApprovalsSweep(queue.queue, log);
  // Every worker (and bot) registers the daily status schedule: one scheduler however many run.
  const schedule = keepStatusScheduled({ queue: queue.queue, store: store.value, config, log });
  closer.add(async () => schedule.stop());
  const probes = await serveProbes(
    probeRoutes({ redis: async () => void (await connection.ping()), postgres: () => store.value.ping() }),
    config.PORT,
  );
  closer.add(() => new Promise((resolve) => probes.close(resolve)));
  log.info({ cluster: cluster.description, store: store.description, queue: config.QUEUE_NAME }, 'worker started');
  await untilSignal();
  log.info('worker stopping: finishing the jobs in hand');
  await closer.closeAll();
  return 0;
}

/** Resolves on SIGTERM or SIGINT: Kubernetes sends SIGTERM and waits terminationGracePeriodSeconds. */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
}

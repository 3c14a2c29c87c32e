import { REGISTRY } from '../../src/app/jobs.js';
import { KubeConfig } from '@kubernetes/client-node';
import { WebClient } from '@slack/web-api';
import type { Worker } from 'bullmq';
import type { Catalogue } from '../../src/catalogue.js';
import type { Config } from '../../src/config.js';
import type { DemoCluster } from '../../src/devstack/demo.js';
import { Kube } from '../../src/integrations/kubernetes.js';
import { createPool } from '../../src/integrations/postgres.js';
import { redisConnection } from '../../src/integrations/redis.js';
import { slackChat } from '../../src/integrations/slack.js';
import { CommandQueue } from '../../src/jobs/queue.js';
import { startStatusSchedule, type ScheduleStart } from '../../src/features/status/scheduler.js';
import { startWorker } from '../../src/jobs/runner.js';
import { silentLogger } from '../../src/log.js';
import { Store } from '../../src/app/store.js';
import { EVENT_WAIT_MS } from './until.js';

/**
 * One carbon-ops process as far as the daily post is concerned: its own Redis connections, its own
 * PostgreSQL pool, a BullMQ worker on the shared queue, and the schedule registration every bot and
 * worker runs on start. Several of these side by side are several replicas.
 */
export interface StatusInstance {
  queue: CommandQueue;
  store: Store;
  worker: Worker;
  start: ScheduleStart;
  stop(): Promise<void>;
}

export async function startStatusInstance(input: {
  config: Config;
  demo: DemoCluster;
  slackUrl: string;
  dbUrl: string;
  catalogue: Catalogue;
}): Promise<StatusInstance> {
  const { config } = input;
  const log = silentLogger();
  const store = new Store(createPool(input.dbUrl));
  const producer = redisConnection(config.REDIS_URL, 'producer');
  const workerConnection = redisConnection(config.REDIS_URL, 'worker');
  const queue = new CommandQueue(config.QUEUE_NAME, producer, REGISTRY);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(input.demo.botKubeconfigYaml()); // the bot runs as its ServiceAccount
  const kube = new Kube(kubeConfig, { requestTimeoutMs: config.KUBE_REQUEST_TIMEOUT_MS, pageSize: 100 });
  const chat = slackChat(new WebClient('xoxb-test', { slackApiUrl: input.slackUrl, retryConfig: { retries: 0 } }));
  const worker = startWorker(
    {
      config,
      log,
      kube,
      cluster: { name: input.demo.clusterName, simulated: true },
      store,
      catalogue: input.catalogue,
      chat,
      queue,
    },
    REGISTRY,
    { queueName: config.QUEUE_NAME, connection: workerConnection, concurrency: 2, progressIntervalMs: 100 },
  );
  await worker.waitUntilReady();
  const start = await startStatusSchedule({ queue: queue.queue, store, config, log });
  return {
    queue,
    store,
    worker,
    start,
    async stop() {
      await worker.close();
      await queue.close();
      producer.disconnect();
      workerConnection.disconnect();
      await store.close();
    },
  };
}

/** Polls `check` until it returns something truthy, or fails after `timeoutMs` with `what`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = EVENT_WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

import { WebClient } from '@slack/web-api';
import type { Worker } from 'bullmq';
import { buildWorker } from '../../src/app/worker.js';
import type { Catalogue } from '../../src/catalogue.js';
import type { Config } from '../../src/config.js';
import type { DemoCluster } from '../../src/devstack/demo.js';
import { Kube } from '../../src/integrations/kubernetes.js';
import { kubeAccessFromYaml } from '../../src/integrations/kubeconfig.js';
import { createPool } from '../../src/integrations/postgres.js';
import { slackChat } from '../../src/integrations/slack.js';
import type { CommandQueue } from '../../src/jobs/queue.js';
import type { ScheduleStart } from '../../src/features/status/scheduler.js';
import { silentLogger } from '../../src/log.js';
import { Store } from '../../src/app/store.js';
import { EVENT_WAIT_MS } from './until.js';

/**
 * One carbon-ops worker process as far as the daily post is concerned: buildWorker, as `carbon worker`
 * runs it, with its own Redis connections and PostgreSQL pool on the shared queue, and the schedule
 * registration every bot and worker runs on start. Several of these side by side are several replicas.
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
  const store = new Store(createPool(input.dbUrl));
  const kubeConfig = kubeAccessFromYaml(input.demo.botKubeconfigYaml()); // the bot runs as its ServiceAccount
  const kube = new Kube(kubeConfig, { requestTimeoutMs: config.KUBE_REQUEST_TIMEOUT_MS, pageSize: 100 });
  const chat = slackChat(new WebClient('xoxb-test', { slackApiUrl: input.slackUrl, retryConfig: { retries: 0 } }));
  const built = await buildWorker(
    {
      config,
      log: silentLogger(),
      kube,
      cluster: { name: input.demo.clusterName, simulated: true },
      store,
      catalogue: input.catalogue,
      chat,
    },
    { concurrency: 2, progressIntervalMs: 100 },
  );
  await built.worker.waitUntilReady();
  const start = await built.schedule!.registered;
  if (start === undefined) throw new Error('the status schedule was not registered');
  return {
    queue: built.queue,
    store,
    worker: built.worker,
    start,
    async stop() {
      await built.close();
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

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildWorker, type BuiltWorker } from '../../src/app/worker.js';
import { loadCatalogue } from '../../src/catalogue.js';
import { TerminalChat } from '../../src/cli/terminal-chat.js';
import { loadConfig } from '../../src/config.js';
import { startDemoCluster, type DemoCluster } from '../../src/devstack/demo.js';
import { Kube } from '../../src/integrations/kubernetes.js';
import { kubeAccessFromYaml } from '../../src/integrations/kubeconfig.js';
import { createPool } from '../../src/integrations/postgres.js';
import { silentLogger } from '../../src/log.js';
import { Store } from '../../src/app/store.js';
import { freshDatabase } from '../support/postgres.js';
import { PrivateRedis } from '../support/private-redis.js';
import { assertBotNeverRefused } from '../support/bot-rbac.js';
import { EVENT_WAIT_MS, REQUEST_TIMEOUT_MS, until } from '../support/until.js';

/**
 * Workers have been seen not to resume after a Redis restart. This runs a private redis-server,
 * kills it under a live worker, starts it again, and expects the same worker to take new jobs.
 */
const redis = new PrivateRedis();
let demo: DemoCluster;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let store: Store;
let built: BuiltWorker;

beforeAll(async () => {
  await redis.start();
  const config = {
    ...loadConfig({ QUEUE_NAME: `restart-test-${randomBytes(4).toString('hex')}` }),
    REDIS_URL: redis.url,
  };
  demo = await startDemoCluster({});
  db = await freshDatabase();
  store = new Store(createPool(db.url));
  const kubeConfig = kubeAccessFromYaml(demo.botKubeconfigYaml()); // the bot runs as its ServiceAccount
  built = await buildWorker(
    {
      config,
      log: silentLogger(),
      kube: new Kube(kubeConfig, { requestTimeoutMs: REQUEST_TIMEOUT_MS, pageSize: 500 }),
      cluster: { name: demo.clusterName, simulated: true },
      store,
      catalogue: await loadCatalogue('catalogue/services.yaml'),
      chat: new TerminalChat(() => undefined),
    },
    { concurrency: 1, events: true },
  );
  built.events!.on('error', () => undefined); // the outage is the point of the test
});

afterAll(async () => {
  await built?.worker.close(true).catch(() => undefined);
  await built?.close().catch(() => undefined);
  await redis.close();
  await store?.close();
  await db?.drop();
  await demo?.close();
  assertBotNeverRefused(demo?.kube);
});

const healthJob = async (n: number) => {
  const id = await built.queue.enqueue(
    {
      job: 'health-report',
      command: { name: 'health', namespace: 'kafka' },
      requester: { user: 'U0VIEWER', channel: 'C0GENERAL' },
      reply: { channel: 'C0GENERAL', ts: `1.${n}` },
    },
    `health-restart-${n}`,
  );
  const job = (await built.queue.queue.getJob(id))!;
  return job.waitUntilFinished(built.events!, EVENT_WAIT_MS);
};

describe('a worker across a Redis restart', () => {
  it('takes new jobs once Redis is back', async () => {
    await expect(healthJob(1)).resolves.toContain('78.6%');
    await redis.kill();
    await new Promise((r) => setTimeout(r, 1500)); // down for a while: the worker's connections see it gone
    await redis.start();
    // The producer fails fast while it reconnects (as the bot's does): wait until it is back.
    await until('the producer reconnected', () =>
      built.queue.ping().then(
        () => true,
        () => undefined,
      ),
    );
    await expect(healthJob(2)).resolves.toContain('78.6%');
  });
});

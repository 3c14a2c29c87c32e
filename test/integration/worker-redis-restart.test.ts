import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { buildWorker, type BuiltWorker } from '../../src/app/worker.js';
import { loadCatalogue } from '../../src/catalogue.js';
import { TerminalChat } from '../../src/cli/terminal-chat.js';
import { loadConfig } from '../../src/config.js';
import { startDemoCluster, type DemoCluster } from '../../src/devstack/demo.js';
import { Kube } from '../../src/integrations/kubernetes.js';
import { createPool } from '../../src/integrations/postgres.js';
import { redisConnection, whenReady } from '../../src/integrations/redis.js';
import { silentLogger } from '../../src/log.js';
import { Store } from '../../src/app/store.js';
import { freshDatabase } from '../support/postgres.js';
import { assertBotNeverRefused } from '../support/bot-rbac.js';
import { until } from '../support/until.js';

/**
 * Workers have been seen not to resume after a Redis restart. This runs a private redis-server,
 * kills it under a live worker, starts it again, and expects the same worker to take new jobs.
 */
let port: number;
let redisServer: ChildProcess | undefined;
let demo: DemoCluster;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let store: Store;
let built: BuiltWorker;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = server.address() as { port: number };
      server.close(() => resolve(p));
    });
  });

async function startRedis(): Promise<void> {
  redisServer = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const probe = redisConnection(`redis://127.0.0.1:${port}`, 'producer');
  try {
    await whenReady(probe, 10_000);
  } finally {
    probe.disconnect();
  }
}

function stopRedis(): Promise<void> {
  const server = redisServer;
  redisServer = undefined;
  if (!server || server.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    server.once('exit', () => resolve());
    server.kill('SIGKILL');
  });
}

beforeAll(async () => {
  port = await freePort();
  await startRedis();
  const url = `redis://127.0.0.1:${port}`;
  const config = loadConfig({ REDIS_URL: url, QUEUE_NAME: 'restart-test' });
  demo = await startDemoCluster({});
  db = await freshDatabase();
  store = new Store(createPool(db.url));
  await store.migrate();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(demo.botKubeconfigYaml()); // the bot runs as its ServiceAccount
  built = await buildWorker(
    {
      config,
      log: silentLogger(),
      kube: new Kube(kubeConfig, { requestTimeoutMs: 5000, pageSize: 500 }),
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
  await stopRedis();
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
  return job.waitUntilFinished(built.events!, 30_000);
};

describe('a worker across a Redis restart', () => {
  it('takes new jobs once Redis is back', async () => {
    await expect(healthJob(1)).resolves.toContain('78.6%');
    await stopRedis();
    await new Promise((r) => setTimeout(r, 1500));
    await startRedis();
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

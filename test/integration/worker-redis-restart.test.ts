import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { EVENT_WAIT_MS, REQUEST_TIMEOUT_MS, until } from '../support/until.js';

/**
 * Workers have been seen not to resume after a Redis restart. This runs a private redis-server,
 * kills it under a live worker, starts it again, and expects the same worker to take new jobs.
 * It listens on a Unix socket in a folder of its own, not on a TCP port: while it is down, nothing else
 * on the machine (another copy of the suite) can take its address.
 */
let dir: string;
let socket: string;
let redisServer: ChildProcess | undefined;
let demo: DemoCluster;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let store: Store;
let built: BuiltWorker;

async function startRedis(): Promise<void> {
  redisServer = spawn(
    'redis-server',
    ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const probe = redisConnection(socket, 'producer');
  try {
    await whenReady(probe, EVENT_WAIT_MS);
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
  dir = await mkdtemp(join(tmpdir(), 'carbon-redis-restart-'));
  socket = join(dir, 'redis.sock');
  await startRedis();
  const url = socket; // ioredis takes a socket path where it takes a URL
  const config = { ...loadConfig({ QUEUE_NAME: `restart-test-${randomBytes(4).toString('hex')}` }), REDIS_URL: url };
  demo = await startDemoCluster({});
  db = await freshDatabase();
  store = new Store(createPool(db.url));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(demo.botKubeconfigYaml()); // the bot runs as its ServiceAccount
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
  await stopRedis();
  if (dir) await rm(dir, { recursive: true, force: true });
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
    await stopRedis();
    await new Promise((r) => setTimeout(r, 1500)); // down for a while: the worker's connections see it gone
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

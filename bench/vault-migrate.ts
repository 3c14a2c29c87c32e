import { COMMANDS } from '../src/app/commands.js';
import { REGISTRY } from '../src/app/jobs.js';
/**
 * Vault migration throughput: N ConfigMaps × K secret keys moved to Vault and verified, on loopback, through
 * the real path: dispatch (parse, policy, audit) → BullMQ on Redis → a worker → the Kubernetes stand-in,
 * the Vault stand-in and PostgreSQL (every key's state recorded after each step). The policy here asks
 * for no approval, so each plan goes straight to its migration job.
 *
 *   npx tsx bench/vault-migrate.ts [--configmaps 100] [--keys 10] [--concurrency 8] [--cutover]
 *
 * Needs Redis (REDIS_URL, default 127.0.0.1:6379) and PostgreSQL (BENCH_DATABASE_URL, default the local
 * server as postgres; a scratch database is created and dropped). Prints keys/s (plan + write + read-back
 * + state, end to end) and the peak memory of this one process, which also hosts both stand-ins.
 * Target: at least 100 keys/s.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { QueueEvents } from 'bullmq';
import { Catalogue } from '../src/catalogue.js';
import { TerminalChat } from '../src/cli/terminal-chat.js';
import { kafkaClusters, loadConfig } from '../src/config.js';
import { parseScenario, startKubeStandin } from '../src/devstack/kube/index.js';
import { startVaultStandin } from '../src/devstack/vault/index.js';
import { dispatch } from '../src/handlers/dispatch.js';
import { Kube } from '../src/integrations/kubernetes.js';
import { createPool } from '../src/integrations/postgres.js';
import { redisConnection } from '../src/integrations/redis.js';
import { createVaultClient } from '../src/integrations/vault.js';
import { CommandQueue } from '../src/jobs/queue.js';
import { startWorker } from '../src/jobs/runner.js';
import { silentLogger } from '../src/log.js';
import { Policy } from '../src/policy/policy.js';
import { Store } from '../src/app/store.js';
import { freshDatabase, LOCAL_ADMIN_URL } from '../test/support/postgres.js';

const { values } = parseArgs({
  options: {
    configmaps: { type: 'string', default: '100' },
    keys: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '8' },
    cutover: { type: 'boolean', default: false },
  },
});
const configMaps = Number(values.configmaps);
const keysEach = Number(values.keys);
const concurrency = Number(values.concurrency);
const total = configMaps * keysEach;

/** A namespace the catalogue names: the bot's RBAC (manifests/bot/base/rbac.yaml) lets a cutover write only in those. */
const NAMESPACE = 'data-platform';

const value = (i: number, k: number) => `pw-${i}-${k}-${randomBytes(12).toString('base64url')}`;
const scenario = parseScenario({
  name: 'vault-bench',
  nodes: [{ name: 'node-1', ip: '10.0.0.1' }],
  namespaces: [{ name: NAMESPACE }],
  workloads: [],
  configMaps: Array.from({ length: configMaps }, (_, i) => ({
    namespace: NAMESPACE,
    name: `app-${String(i).padStart(3, '0')}`,
    data: {
      ...Object.fromEntries(Array.from({ length: keysEach }, (_, k) => [`SECRET_${k}_PASSWORD`, value(i, k)])),
      LOG_LEVEL: 'info',
    },
  })),
});

let peakRss = 0;
let peakHeap = 0;
const sample = () => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
};
const sampler = setInterval(sample, 100);

const db = await freshDatabase({ adminUrl: process.env.BENCH_DATABASE_URL ?? LOCAL_ADMIN_URL, prefix: 'carbon_bench' });

const config = loadConfig({ REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
const kube = await startKubeStandin({ scenario });
const vault = await startVaultStandin();
const store = new Store(createPool(db.url));
const queueName = `bench-vault-${randomBytes(4).toString('hex')}`;
const producer = redisConnection(config.REDIS_URL, 'producer');
const workerConnection = redisConnection(config.REDIS_URL, 'worker');
const eventsConnection = redisConnection(config.REDIS_URL, 'worker');
const queue = new CommandQueue(queueName, producer, REGISTRY);
const kubeConfig = new KubeConfig();
kubeConfig.loadFromString(kube.botKubeconfigYaml()); // the bot runs as its ServiceAccount
const client = new Kube(kubeConfig, { requestTimeoutMs: 10_000, pageSize: 500 });
const chat = new TerminalChat(() => undefined);
const policy = new Policy({
  members: { U0OPERATOR: 'operator' },
  channels: {},
  commands: { 'vault-migrate': { role: 'operator', approvals: 0 } },
});
const catalogue = new Catalogue([]);
const vaultDeps = {
  client: createVaultClient({ addr: vault.url, token: vault.rootToken, skipVerify: false, timeoutMs: 10_000 }),
  addr: vault.url,
  mount: 'secret',
  simulated: true,
  injectRole: 'bench',
};
const worker = startWorker(
  {
    config,
    log: silentLogger(),
    kube: client,
    cluster: { name: 'bench', simulated: true },
    store,
    catalogue,
    chat,
    queue,
    vault: vaultDeps,
  },
  REGISTRY,
  { queueName, connection: workerConnection, concurrency, progressIntervalMs: 1000 },
);
const events = new QueueEvents(queueName, { connection: eventsConnection });
await events.waitUntilReady();

const started = performance.now();
const cpuStart = process.cpuUsage();
const actor = { user: 'U0OPERATOR', groups: [], channel: { id: 'C0BENCH', name: 'bench' } };
const deps = {
  commands: COMMANDS,
  policy,
  catalogue,
  kafkaClusters: [...kafkaClusters(config).keys()],
  store,
  queue,
  chat,
  log: silentLogger(),
};
await Promise.all(
  Array.from({ length: configMaps }, (_, i) =>
    dispatch(
      {
        text: `vault migrate configmap/app-${String(i).padStart(3, '0')} -n ${NAMESPACE}${values.cutover ? ' --cutover' : ''}`,
        actor,
      },
      deps,
    ),
  ),
);
let done = 0;
for (;;) {
  const { rows } = await store.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM vault_migrations WHERE state IN ('succeeded', 'failed')`,
  );
  done = Number(rows[0]!.n);
  if (done >= configMaps || performance.now() - started > 600_000) break;
  await new Promise((resolve) => setTimeout(resolve, 25));
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
sample();
const { rows: states } = await store.pool.query<{ state: string; n: string }>(
  `SELECT state, count(*) AS n FROM vault_migration_keys GROUP BY state ORDER BY state`,
);
const verified = states
  .filter((s) => s.state === 'verified' || s.state === 'removed')
  .reduce((n, s) => n + Number(s.n), 0);
const removed = Number(states.find((s) => s.state === 'removed')?.n ?? 0);
const writes = vault.requests.filter(
  (r) => r.method === 'POST' && r.path.startsWith('/v1/secret/data/') && !r.path.includes('carbon-ops/'),
).length;

console.log(
  `vault migrate: ${configMaps} ConfigMaps × ${keysEach} keys = ${total} keys, worker concurrency ${concurrency}${values.cutover ? ', with cutover' : ''}`,
);
console.log(
  `  ${verified} keys in Vault and verified (${writes} CAS writes)${values.cutover ? `, ${removed} removed from their ConfigMaps` : ''}, ` +
    `${done} migrations finished in ${seconds.toFixed(2)} s`,
);
console.log(
  `  ${(verified / seconds).toFixed(0)} keys/s end to end (plan + write + read-back + recorded state)  [target ≥ 100]`,
);
console.log(
  `  this process used ${cpuSeconds.toFixed(2)} s of CPU: ${(verified / cpuSeconds).toFixed(0)} keys per CPU-second (Redis and PostgreSQL run in their own processes)`,
);
console.log(
  `  peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB, peak heap ${(peakHeap / 2 ** 20).toFixed(0)} MiB (this process: both stand-ins, the worker, the queue clients)`,
);
console.log(
  `  machine: ${cpus().length} cores, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; Node ${process.version}`,
);

clearInterval(sampler);
await worker.close();
await events.close();
await queue.queue.obliterate({ force: true }).catch(() => undefined);
await queue.close();
for (const c of [producer, workerConnection, eventsConnection]) c.disconnect();
await store.close();
await vault.close();
await kube.close();
await db.drop();
process.exit(verified === total && (!values.cutover || removed === total) ? 0 : 1);

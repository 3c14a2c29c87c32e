/**
 * Vault migration, like for like: N ConfigMaps × K secret keys moved to Vault KV v2 and verified, on loopback,
 * by three sides against the same stand-ins, alternated, each run on fresh stand-ins:
 *
 * - carbon: the real path. dispatch (parse, policy, audit) → BullMQ on Redis → a worker (`--concurrency` jobs at
 *   once) → the Kubernetes stand-in, the Vault stand-in and PostgreSQL (each key's state recorded). The policy
 *   asks for no approval, so each plan goes straight to its migration job.
 * - plain: the reference, a plain script with fetch and nothing else of carbon-ops: per ConfigMap (`--concurrency`
 *   at once) one read of it (client-node), then per key (8 at once, as the migration) the same Vault calls the
 *   migration makes: a metadata read at plan time, then a metadata read, the check-and-set write and the
 *   read-back of that version, compared with the ConfigMap's value. No health or mount check, no fingerprint, no
 *   state kept anywhere, no queue. Issue 12 asked for this one.
 * - plain-http: the same plain script on node:http(s) with a keep-alive Agent instead of fetch (still no carbon
 *   code): carbon's client uses node:http too, so this side shows what carbon costs over the same transport.
 *
 *   npx tsx bench/vault-migrate.ts [--configmaps 100] [--keys 10] [--concurrency 8] [--repeat 3] [--cutover]
 *                                  [--cpu-prof DIR]   (a CPU profile of each run's measured part)
 *                                  [--sides carbon,plain,plain-http]   (fewer sides, e.g. to profile one)
 *
 * Each side runs in its own child process (node --import tsx); the stand-ins run in this one, so a side's CPU is
 * its own. A side's clock: from its first request (the carbon side: the first dispatch) to the last key verified
 * (carbon: the last migration recorded finished in PostgreSQL, checked when the worker has ended every migration job); its CPU: user + system of its
 * process over the same interval (module loading, connecting and the scratch database excluded; for carbon,
 * Redis's and PostgreSQL's own CPU is not counted, they are other processes).
 * Needs Redis (REDIS_URL, default 127.0.0.1:6379) and PostgreSQL (BENCH_DATABASE_URL, default the local server
 * as postgres; a scratch database per carbon run is created and dropped).
 * Targets (issue 12): carbon ≥ 0.7× plain's keys/s and ≤ 1.5× its CPU per key; reported against both references.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile, mkdir } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { parseScenario, startKubeStandin } from '../src/devstack/kube/index.js';
import { startVaultStandin } from '../src/devstack/vault/index.js';
import { alternated, loadAverage, machine, median, medianAndRange } from './support/figures.js';

const { values } = parseArgs({
  options: {
    configmaps: { type: 'string', default: '100' },
    keys: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '8' },
    repeat: { type: 'string', default: '3' },
    cutover: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    side: { type: 'string' },
    sides: { type: 'string', default: 'carbon,plain,plain-http' },
  },
});
const configMaps = Number(values.configmaps);
const keysEach = Number(values.keys);
const concurrency = Number(values.concurrency);
const total = configMaps * keysEach;

/** A namespace the catalogue names: the bot's RBAC (manifests/bot/base/rbac.yaml) lets a cutover write only in those. */
const NAMESPACE = 'data-platform';
const cmName = (i: number) => `app-${String(i).padStart(3, '0')}`;
/** Vault calls of one ConfigMap in flight at once, as the migration's KEY_CONCURRENCY. */
const KEYS_AT_ONCE = 8;

/** What the parent gives a side: where the stand-ins are. */
interface Setup {
  kubeconfig: string;
  vaultUrl: string;
  vaultToken: string;
}
/** What a side reports. */
interface Run {
  verified: number;
  removed: number;
  seconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  vaultRequests?: number;
  /** Requests to the Kubernetes stand-in (the carbon side's, from its worker). */
  kubeRequests?: number;
  /** Statements the carbon side sent to PostgreSQL while measured (BEGIN and COMMIT included). */
  postgresQueries?: number;
}

// ---------------------------------------------------------------------------------------------
// The sides, each in a child.

/** What the plain side reads of Vault's answers (metadata, write and read share the `data` envelope). */
interface VaultReply {
  data: { current_version: number; version: number; data: { value?: string } };
}

async function runSide(side: string, setup: Setup): Promise<Run> {
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
  try {
    const run = side === 'carbon' ? await carbonSide(setup) : await plainSide(setup, side === 'plain-http');
    return { ...run, peakRssMiB: Math.max(peakRss, process.memoryUsage.rss()) / 2 ** 20 };
  } finally {
    clearInterval(sampler);
  }
}

type Timed = Omit<Run, 'peakRssMiB'>;

/** The measured part, with its wall time and CPU (and a CPU profile when asked). */
async function measured(work: () => Promise<{ verified: number; removed: number }>): Promise<Timed> {
  const profileDir = values['cpu-prof'];
  const session = profileDir === undefined ? undefined : new Session();
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const done = await work();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  if (session && profileDir !== undefined) {
    const { profile } = await session.post('Profiler.stop');
    await mkdir(profileDir, { recursive: true });
    await writeFile(`${profileDir}/${values.side}-${Date.now()}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  }
  return { ...done, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** Runs `work` over `items`, `limit` at a time. */
async function eachLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

type PlainVault = (
  method: string,
  path: string,
  body?: unknown,
  retried?: boolean,
) => Promise<{ status: number; json: VaultReply }>;

/** The plain Vault call on node:http(s) with a keep-alive Agent, as carbon's client but without its checks. */
function nodeHttpVault(setup: Setup, headers: Record<string, string>): PlainVault {
  const transport = setup.vaultUrl.startsWith('https:') ? https : http;
  // As carbon's client: idle connections closed before the server's 5 s, a request on a kept-alive connection reset
  // before any answer sent once more (under load the stand-in may close one as it goes out).
  const agent = new transport.Agent({ keepAlive: true, timeout: 4_000, maxSockets: concurrency * KEYS_AT_ONCE });
  const send: PlainVault = (method, path, body, retried = false) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const request = transport.request(
        `${setup.vaultUrl}/v1/secret/${path}`,
        {
          method,
          agent,
          headers: payload === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: response.statusCode ?? 0, json: (text === '' ? {} : JSON.parse(text)) as VaultReply });
          });
        },
      );
      request.on('error', (error: NodeJS.ErrnoException) => {
        if (!retried && request.reusedSocket && error.code === 'ECONNRESET')
          send(method, path, body, true).then(resolve, reject);
        else reject(error);
      });
      request.end(payload);
    });
  return send;
}

async function plainSide(setup: Setup, nodeHttp: boolean): Promise<Timed> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(setup.kubeconfig);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const headers = { 'X-Vault-Token': setup.vaultToken, 'X-Vault-Request': 'true' };
  const fetchVault: PlainVault = async (method, path, body) => {
    const response = await fetch(`${setup.vaultUrl}/v1/secret/${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: (text === '' ? {} : JSON.parse(text)) as VaultReply };
  };
  const vault = nodeHttp ? nodeHttpVault(setup, headers) : fetchVault;
  const version = async (path: string): Promise<number> => {
    const meta = await vault('GET', `metadata/${path}`);
    return meta.status === 404 ? 0 : meta.json.data.current_version;
  };
  let verified = 0;
  await vault('GET', 'metadata/warm-up'); // one connection made before the clock, as the carbon side's
  return measured(async () => {
    await eachLimit(
      Array.from({ length: configMaps }, (_, i) => cmName(i)),
      concurrency,
      async (name) => {
        const cm = await core.readNamespacedConfigMap({ name, namespace: NAMESPACE });
        const data = cm.data ?? {};
        const keys = Object.keys(data).filter((k) => /PASSWORD|SECRET|TOKEN/.test(k));
        const paths = (key: string) => `${NAMESPACE}/${name}/${key}`;
        const planned = new Map<string, number>();
        await eachLimit(keys, KEYS_AT_ONCE, async (key) => void planned.set(key, await version(paths(key))));
        await eachLimit(keys, KEYS_AT_ONCE, async (key) => {
          const path = paths(key);
          const base = planned.get(key)!;
          if ((await version(path)) !== base) return;
          const written = await vault('POST', `data/${path}`, { data: { value: data[key] }, options: { cas: base } });
          if (written.status !== 200) return;
          const v = written.json.data.version;
          const read = await vault('GET', `data/${path}?version=${v}`);
          if (read.status === 200 && read.json.data.data.value === data[key]) verified++;
        });
      },
    );
    return { verified, removed: 0 };
  });
}

async function carbonSide(setup: Setup): Promise<Timed> {
  // carbon-ops' modules are loaded only in this side's process.
  const { COMMANDS } = await import('../src/app/commands.js');
  const { REGISTRY } = await import('../src/app/jobs.js');
  const { Catalogue } = await import('../src/catalogue.js');
  const { TerminalChat } = await import('../src/cli/terminal-chat.js');
  const { kafkaClusters, loadConfig } = await import('../src/config.js');
  const { dispatch } = await import('../src/handlers/dispatch.js');
  const { Kube } = await import('../src/integrations/kubernetes.js');
  const { kubeAccessFromYaml } = await import('../src/integrations/kubeconfig.js');
  const { createPool } = await import('../src/integrations/postgres.js');
  const { redisConnection } = await import('../src/integrations/redis.js');
  const { createVaultClient } = await import('../src/integrations/vault.js');
  const { CommandQueue } = await import('../src/jobs/queue.js');
  const { startWorker } = await import('../src/jobs/runner.js');
  const { silentLogger } = await import('../src/log.js');
  const { default: pino } = await import('pino');
  // BENCH_LOG=warn (say): the worker's log on stderr, to see why a run stalls.
  const log = process.env.BENCH_LOG ? () => pino({ level: process.env.BENCH_LOG }, pino.destination(2)) : silentLogger;
  const { Policy } = await import('../src/policy/policy.js');
  const { Store } = await import('../src/app/store.js');
  const { freshDatabase, LOCAL_ADMIN_URL } = await import('../test/support/postgres.js');
  const pg = (await import('pg')).default;
  let postgresQueries = 0;
  const tally = new Map<string, number>();
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    postgresQueries++;
    if (process.env.BENCH_PG_TALLY) {
      const first = args[0] as string | { text?: string };
      const text = (typeof first === 'string' ? first : (first?.text ?? '?')).replace(/\s+/g, ' ').slice(0, 70);
      tally.set(text, (tally.get(text) ?? 0) + 1);
    }
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;

  const db = await freshDatabase({
    adminUrl: process.env.BENCH_DATABASE_URL ?? LOCAL_ADMIN_URL,
    prefix: 'carbon_bench',
  });
  const config = loadConfig({ REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
  const store = new Store(createPool(db.url));
  const queueName = `bench-vault-${randomBytes(4).toString('hex')}`;
  const producer = redisConnection(config.REDIS_URL, 'producer');
  const workerConnection = redisConnection(config.REDIS_URL, 'worker');
  const queue = new CommandQueue(queueName, producer, REGISTRY);
  const client = new Kube(
    kubeAccessFromYaml(setup.kubeconfig), // the bot runs as its ServiceAccount
    { requestTimeoutMs: 10_000, pageSize: 500 },
  );
  const chat = new TerminalChat(() => undefined);
  const policy = new Policy({
    members: { U0OPERATOR: 'operator' },
    channels: {},
    commands: { 'vault-migrate': { role: 'operator', approvals: 0 } },
  });
  const catalogue = new Catalogue([]);
  const vault = {
    client: createVaultClient({ addr: setup.vaultUrl, token: setup.vaultToken, skipVerify: false, timeoutMs: 10_000 }),
    addr: setup.vaultUrl,
    mount: 'secret',
    simulated: true,
    injectRole: 'bench',
  };
  const worker = startWorker(
    {
      config,
      log: log(),
      kube: client,
      cluster: { name: 'bench', simulated: true },
      store,
      catalogue,
      chat,
      queue,
      vault,
    },
    REGISTRY,
    { queueName, connection: workerConnection, concurrency, progressIntervalMs: 1000 },
  );
  // Connections made before the clock, as the plain side's: Vault, and Redis for the producer and the worker (a
  // dispatch pings the queue first and refuses when Redis does not answer in time).
  await vault.client.health();
  await queue.queue.waitUntilReady();
  await worker.waitUntilReady();

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
  postgresQueries = 0;
  const run = await measured(async () => {
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: configMaps }, (_, i) =>
        dispatch(
          { text: `vault migrate configmap/${cmName(i)} -n ${NAMESPACE}${values.cutover ? ' --cutover' : ''}`, actor },
          deps,
        ),
      ),
    );
    const notQueued = outcomes.filter((o) => o.kind !== 'queued');
    if (notQueued.length > 0)
      throw new Error(`${notQueued.length} dispatches not queued: ${JSON.stringify(notQueued[0])}`);
    // Counted from the worker's own events (no QueueEvents reader: that is the bench's cost, not carbon's), then
    // checked in PostgreSQL once they are all in, and every second in case one was missed.
    let ended = 0;
    let wake: () => void = () => undefined;
    const onEnd = (job: { id?: string } | undefined) => {
      if (job?.id?.startsWith('vault-migrate-run') && ++ended >= configMaps) wake();
    };
    worker.on('completed', onEnd);
    worker.on('failed', onEnd);
    for (;;) {
      if (ended < configMaps)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      const { rows } = await store.pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM vault_migrations WHERE state IN ('succeeded', 'failed')`,
      );
      if (Number(rows[0]!.n) >= configMaps || performance.now() - started > 600_000) break;
    }
    const { rows: states } = await store.pool.query<{ state: string; n: string }>(
      `SELECT state, count(*) AS n FROM vault_migration_keys GROUP BY state`,
    );
    const count = (...s: string[]) => states.filter((r) => s.includes(r.state)).reduce((n, r) => n + Number(r.n), 0);
    return { verified: count('verified', 'removed'), removed: count('removed') };
  });

  await worker.close();
  await queue.queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  for (const c of [producer, workerConnection]) c.disconnect();
  await store.close();
  await db.drop();
  if (process.env.BENCH_PG_TALLY)
    for (const [text, n] of [...tally].sort((a, b) => b[1] - a[1])) console.error(String(n).padStart(6), text);
  return { ...run, postgresQueries };
}

// ---------------------------------------------------------------------------------------------
// The parent: fresh stand-ins for each run, the sides alternated.

const SIDES = ['carbon', 'plain', 'plain-http'] as const;

async function oneRun(side: (typeof SIDES)[number]): Promise<Run> {
  const value = (i: number, k: number) => `pw-${i}-${k}-${randomBytes(12).toString('base64url')}`;
  const scenario = parseScenario({
    name: 'vault-bench',
    nodes: [{ name: 'node-1', ip: '10.0.0.1' }],
    namespaces: [{ name: NAMESPACE }],
    workloads: [],
    configMaps: Array.from({ length: configMaps }, (_, i) => ({
      namespace: NAMESPACE,
      name: cmName(i),
      data: {
        ...Object.fromEntries(Array.from({ length: keysEach }, (_, k) => [`SECRET_${k}_PASSWORD`, value(i, k)])),
        LOG_LEVEL: 'info',
      },
    })),
  });
  const kube = await startKubeStandin({ scenario });
  const vault = await startVaultStandin();
  try {
    const setup: Setup = { kubeconfig: kube.botKubeconfigYaml(), vaultUrl: vault.url, vaultToken: vault.rootToken };
    const child = fork(fileURLToPath(import.meta.url), [...process.argv.slice(2), '--side', side], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const result = await new Promise<Run>((resolve, reject) => {
      child.once('message', (m: { run?: Run; error?: string }) =>
        m.run ? resolve(m.run) : reject(new Error(m.error ?? 'no result')),
      );
      child.once('exit', (code) => reject(new Error(`${side} exited with ${code} before reporting`)));
      child.send(setup);
    });
    const run = { ...result, vaultRequests: vault.requests.length, kubeRequests: kube.stats.requests };
    console.log(
      `  ${side.padEnd(10)} ${run.verified} keys verified in ${run.seconds.toFixed(2)} s: ${(run.verified / run.seconds).toFixed(0)} keys/s, ` +
        `${((run.cpuSeconds * 1000) / run.verified).toFixed(2)} ms CPU a key, ${run.vaultRequests} Vault requests, ${run.kubeRequests} Kubernetes requests, ` +
        `${run.postgresQueries === undefined ? '' : `${run.postgresQueries} PostgreSQL statements, `}peak RSS ${run.peakRssMiB.toFixed(0)} MiB  (load ${loadAverage()})`,
    );
    return run;
  } finally {
    await vault.close();
    await kube.close();
  }
}

async function main(): Promise<void> {
  const repeat = Number(values.repeat);
  console.log(machine());
  console.log(
    `vault migrate: ${configMaps} ConfigMaps × ${keysEach} keys = ${total} keys, ${concurrency} ConfigMaps at once, ` +
      `${KEYS_AT_ONCE} keys of each at once${values.cutover ? ', carbon with cutover' : ''}; ${repeat} alternated rounds`,
  );
  const asked = new Set(values.sides.split(','));
  const results = await alternated(
    Object.fromEntries(SIDES.filter((side) => asked.has(side)).map((side) => [side, () => oneRun(side)])),
    repeat,
  );
  const runs = {
    carbon: results['carbon'] ?? [],
    plain: results['plain'] ?? [],
    'plain-http': results['plain-http'] ?? [],
  };
  const keysPerSec = (r: Run) => r.verified / r.seconds;
  const cpuPerKey = (r: Run) => (r.cpuSeconds * 1000) / r.verified;
  console.log('');
  for (const side of SIDES) {
    if (runs[side].length === 0) continue;
    console.log(
      `${side.padEnd(10)} keys/s ${medianAndRange(runs[side].map(keysPerSec), (x) => x.toFixed(0))}; ` +
        `CPU a key ${medianAndRange(runs[side].map(cpuPerKey), (x) => `${x.toFixed(2)} ms`)}; ` +
        `Vault requests a key ${(median(runs[side].map((r) => r.vaultRequests ?? 0)) / total).toFixed(2)}`,
    );
  }
  for (const reference of ['plain', 'plain-http'] as const) {
    if (runs.carbon.length === 0 || runs[reference].length === 0) continue;
    const ratio = (f: (r: Run) => number) => runs.carbon.map((c, i) => f(c) / f(runs[reference][i]!));
    const speed = ratio(keysPerSec);
    const cpu = ratio(cpuPerKey);
    console.log(
      `carbon / ${reference}, same round: keys/s ${medianAndRange(speed)}× [target ≥ 0.7×: ${median(speed) >= 0.7 ? 'met' : 'NOT MET'}], ` +
        `CPU a key ${medianAndRange(cpu)}× [target ≤ 1.5×: ${median(cpu) <= 1.5 ? 'met' : 'NOT MET'}]`,
    );
  }
  console.log(`load average at the end: ${loadAverage()}`);
  const complete = SIDES.every((side) => runs[side].every((r) => r.verified === total));
  const cut = !values.cutover || runs.carbon.every((r) => r.removed === total);
  if (!complete || !cut) {
    console.log('WARNING: not every key was verified (or removed, with --cutover) in every run');
    process.exitCode = 1;
  }
}

if (values.side === undefined) await main();
else {
  const side = values.side;
  process.once('message', (setup: Setup) => {
    runSide(side, setup).then(
      (run) => process.send?.({ run }, () => process.exit(0)),
      (error: unknown) => process.send?.({ error: (error as Error).stack ?? String(error) }, () => process.exit(1)),
    );
  });
}

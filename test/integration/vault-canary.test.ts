import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Deployment, KubeObject } from '../../src/devstack/kube/index.js';
import type { VaultClient } from '../../src/integrations/vault.js';
import { VaultRig } from '../support/vault-rig.js';

/**
 * The canary: a unique value planted in ConfigMaps goes through a plan, a migration with cutover, a
 * failure (Vault stopped mid-migration) and a rollback; then every Slack call, every log line, every
 * Redis key of the queue and every PostgreSQL table is searched for it. Zero hits. The same searches
 * find it when it is put there on purpose, so they can see.
 *
 * A container that logs the value (a password, a URL's password, a bearer token) is read with `logs`: the
 * same searches find nothing, because every log line is masked before it leaves the worker.
 *
 * Vault is reached with Kubernetes auth and short-lived tokens: an expired token is renewed (a new
 * login) once per call, never in a loop. The token is made to expire by moving the clock (Date.now, which
 * the Vault stand-in reads) past its TTL rather than by sleeping; the TTL is long enough that no token
 * expires on its own during a step, however slowly a loaded machine runs it, so the one login counted
 * during the rollback is the renewal of the expired token and nothing else.
 */
const CANARY = `cnry-${randomBytes(12).toString('hex')}`;
const TTL_SEC = 120;
/** How long a job may take before the test gives up on it: only a bound on waiting, never a budget. */
const JOB_WAIT_MS = 150_000;
let rig: VaultRig;
let redis: Redis;
let stopAfterWrites: number | undefined;

function stopping(client: VaultClient): VaultClient {
  return {
    ...client,
    async kvWrite(mount, path, data, cas) {
      const result = await client.kvWrite(mount, path, data, cas);
      if (!path.startsWith('carbon-ops/') && stopAfterWrites !== undefined && --stopAfterWrites <= 0) {
        stopAfterWrites = undefined;
        await rig.vault.stop();
      }
      return result;
    },
  };
}

function plant(name: string, data: Record<string, string>, consumer: string): void {
  const cluster = rig.kube.cluster;
  cluster.put({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'data-platform' },
    data,
  } as unknown as KubeObject);
  cluster.put({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: consumer, namespace: 'data-platform' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: consumer } },
      template: {
        metadata: { labels: { app: consumer } },
        spec: { containers: [{ name: 'app', image: 'example/app:1', envFrom: [{ configMapRef: { name } }] }] },
      },
    },
  } as unknown as Deployment);
}

/** Every Redis key of the queue (BullMQ's and the dedupe keys), read by type and dumped. */
async function redisText(): Promise<{ text: string; dumps: Buffer[] }> {
  const keys = await redis.keys(`*${rig.queueName}*`);
  expect(keys.length).toBeGreaterThan(5);
  const parts: string[] = [];
  const dumps: Buffer[] = [];
  for (const key of keys) {
    const type = await redis.type(key);
    if (type === 'string') parts.push((await redis.get(key)) ?? '');
    else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
    else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
    else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
    else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES')));
    else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    const dump = await redis.dumpBuffer(key);
    if (dump) dumps.push(dump);
  }
  return { text: parts.join('\n'), dumps };
}

/** Every row of every table, as text. */
async function postgresText(): Promise<string> {
  const { rows: tables } = await rig.store.pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  expect(tables.map((t) => t.table_name)).toEqual(
    expect.arrayContaining(['vault_migrations', 'vault_migration_keys', 'vault_migration_workloads', 'audit_log']),
  );
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const { rows } = await rig.store.pool.query<{ row: string }>(`SELECT t::text AS row FROM "${table_name}" t`);
    parts.push(...rows.map((r) => r.row));
  }
  return parts.join('\n');
}

const hits = (text: string) => text.split(CANARY).length - 1;

/**
 * One command through the rig, then its job to the end however long that takes (the rig's own wait is
 * 30 s): 'completed', or how it ended and why, so a failure says what went wrong.
 */
async function run(text: string, user = 'U0OPERATOR'): Promise<{ state: string; reason?: string }> {
  const { outcome } = await rig.run(text, user);
  if (outcome.kind !== 'queued') return { state: outcome.kind };
  const job = await rig.queue.queue.getJob(outcome.jobId);
  if (job === undefined) return { state: 'missing' };
  try {
    await job.waitUntilFinished(rig.events, JOB_WAIT_MS);
    return { state: 'completed' };
  } catch (error) {
    return { state: await job.getState(), reason: (error as Error).message };
  }
}

/** A plan (which must succeed), then the approval by U0APPROVER, run to its end (success or not): the migration's id. */
async function migrate(text: string): Promise<string> {
  expect(await run(text)).toEqual({ state: 'completed' });
  const id = rig.lastMigrationId();
  await run(`approve ${id}`, 'U0APPROVER');
  return id;
}

beforeAll(async () => {
  rig = await new VaultRig().start({ kubernetesAuth: { ttlSec: TTL_SEC }, wrap: stopping });
  redis = new Redis(rig.config.REDIS_URL, { lazyConnect: true });
  await redis.connect();
});

afterAll(async () => {
  redis?.disconnect();
  await rig?.stop();
  jest.restoreAllMocks();
});

describe('the canary value', () => {
  it('never reaches Slack, the logs, the queue or PostgreSQL: plan, migrate, failure, rollback', async () => {
    // Jest's 60 s default would be a budget for the whole story; each step's wait is bounded by JOB_WAIT_MS.
    plant(
      'canary-config',
      {
        CANARY_PASSWORD: CANARY,
        CANARY_DSN: `postgresql://app:${CANARY}@db.data-platform:5432/app`,
        LOG_LEVEL: 'info',
      },
      'canary-app',
    );
    plant(
      'canary-two',
      { CANARY_API_TOKEN: CANARY, OTHER_SECRET: `x${CANARY}`, THIRD_PASSWORD: `y${CANARY}` },
      'canary-two-app',
    );

    expect(await run('vault status -n data-platform')).toEqual({ state: 'completed' });
    expect(rig.texts().at(-1)).toMatch(/canary-config` 0\/2: CANARY_DSN, CANARY_PASSWORD/);

    // Plan and migrate, with cutover.
    const id = await migrate(
      'vault migrate configmap/canary-config -n data-platform --cutover --apps-read-vault-files --reason "canary run"',
    );
    expect((await rig.store.vaultMigrations.get(id))?.state).toBe('succeeded');
    expect(rig.configMap('data-platform', 'canary-config')).toEqual({ LOG_LEVEL: 'info' });
    expect((await rig.vaultDeps.client.kvRead('secret', 'data-platform/canary-config/CANARY_PASSWORD'))?.data).toEqual({
      value: CANARY,
    });

    // A failure: Vault goes away after the first write of another migration.
    stopAfterWrites = 1;
    const failed = await migrate(
      'vault migrate configmap/canary-two -n data-platform --cutover --apps-read-vault-files',
    );
    expect((await rig.store.vaultMigrations.get(failed))?.state).toBe('failed');
    await rig.vault.start();

    // The token expires (the clock moves past its TTL): the rollback's first call renews it (a new login), once.
    const realNow = Date.now;
    const skewMs = TTL_SEC * 1000 + 1_000;
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + skewMs);
    const loginsBefore = rig.vault.requests.filter((r) => r.path === '/v1/auth/kubernetes/login').length;
    expect(loginsBefore).toBeGreaterThan(0); // the migrations logged in: there is a token to expire
    expect(await run(`vault rollback ${id}`)).toEqual({ state: 'completed' });
    expect(rig.configMap('data-platform', 'canary-config')?.CANARY_PASSWORD).toBe(CANARY);
    const logins = rig.vault.requests.filter((r) => r.path === '/v1/auth/kubernetes/login').length;
    expect(logins - loginsBefore).toBe(1);

    // The searches see a planted copy...
    await redis.set(`bull:${rig.queueName}:control`, CANARY);
    expect(hits((await redisText()).text)).toBe(1);
    await redis.del(`bull:${rig.queueName}:control`);
    expect(hits(JSON.stringify(rig.chat.calls))).toBe(0);

    // ...and nothing else anywhere.
    const slack = JSON.stringify(rig.chat.calls);
    expect(rig.chat.calls.length).toBeGreaterThan(20);
    expect(hits(slack)).toBe(0);
    expect(rig.logLines.length).toBeGreaterThan(20);
    expect(hits(rig.logLines.join(''))).toBe(0);
    const { text, dumps } = await redisText();
    expect(hits(text)).toBe(0);
    for (const dump of dumps) expect(dump.includes(Buffer.from(CANARY))).toBe(false);
    const pg = await postgresText();
    expect(pg).toContain('CANARY_PASSWORD'); // the names are there
    expect(hits(pg)).toBe(0);
    expect(rig.vault.requests.some((r) => r.path.includes(CANARY))).toBe(false);
  }, 600_000);

  it('never reaches Slack, the logs, the queue or PostgreSQL from a container log: logs masks it', async () => {
    // a container that logs its credentials the ways applications do
    rig.kube.cluster.setPodLogs(
      'kafka',
      { app: 'schema-registry' },
      {
        current: [
          'INFO starting schema-registry',
          `INFO kafkastore.sasl.jaas.config password=${CANARY}`,
          `INFO connecting to postgresql://app:${CANARY}@db.data-platform:5432/app`,
          `DEBUG sending Authorization: Bearer ${CANARY}`,
          'INFO ready',
        ],
        previous: [],
      },
    );
    expect(await run('logs deployment/schema-registry -n kafka --tail 50', 'U0VIEWER')).toEqual({
      state: 'completed',
    });
    const shown = rig.texts().at(-1) ?? '';
    expect(shown).toContain('Logs: log of schema-registry-');
    expect(shown).toContain('INFO ready');
    expect(JSON.stringify(rig.chat.calls)).toContain('3 credential-looking values masked');

    expect(hits(JSON.stringify(rig.chat.calls))).toBe(0);
    expect(hits(rig.logLines.join(''))).toBe(0);
    const { text, dumps } = await redisText();
    expect(hits(text)).toBe(0);
    for (const dump of dumps) expect(dump.includes(Buffer.from(CANARY))).toBe(false);
    expect(hits(await postgresText())).toBe(0);
  }, 300_000);
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Deployment } from '../../src/devstack/kube/index.js';
import { RESTARTED_AT } from '../../src/features/restart/plan.js';
import type { RestartRequest } from '../../src/features/restart/store.js';
import type { VaultClient } from '../../src/integrations/vault.js';
import { PrivatePostgres } from '../support/private-postgres.js';
import { PrivateRedis } from '../support/private-redis.js';
import { RestartRig } from '../support/restart-rig.js';
import { EVENT_WAIT_MS, until } from '../support/until.js';
import { VaultRig } from '../support/vault-rig.js';

/**
 * Issue 11's faults, each under a live bot and worker on real servers: Redis restarted without persistence
 * and PostgreSQL restarted while an approved restart rolls out, Vault sealed while a migration writes. Each
 * must end with its effect exactly once, the right final state in Slack and one audit row per step. (A
 * worker SIGKILLed mid-rollout: restart-worker-kill.test.ts.)
 */

const NS = 'data-platform';
const WORKLOAD = 'superset-worker'; // 3 replicas: a rollout of several pods, one at a time
/** Pods of the restarted workload take this long to become ready: the rollout lasts seconds, time to strike. */
const SLOW_POD_MS = 1500;

const workload = (rig: RestartRig) => rig.kube.cluster.get<Deployment>('deployments', NS, WORKLOAD)!;

/** The PATCHes of the workload the worker's jobs sent to the stand-in since `from` (as on the wire). */
const patchesOf = (rig: RestartRig, from: number) =>
  rig
    .kubeWire!.requests.slice(from)
    .filter((r) => r.method === 'PATCH' && r.url.includes(`/namespaces/${NS}/deployments/${WORKLOAD}`));

/** The rollout of the workload, as `kubectl rollout status` judges it: every replica updated and available. */
const rolledOut = (rig: RestartRig): boolean => {
  const d = workload(rig);
  const status = d.status as
    | { observedGeneration?: number; updatedReplicas?: number; availableReplicas?: number; replicas?: number }
    | undefined;
  return (
    status?.observedGeneration === d.metadata.generation &&
    status?.updatedReplicas === d.spec.replicas &&
    status?.availableReplicas === d.spec.replicas &&
    status?.replicas === d.spec.replicas
  );
};

/** What a test started from: the workload's generation, the requests on the wire, the messages in the channel. */
interface Before {
  generation: number;
  wire: number;
  messages: Set<string>;
}

/**
 * A restart of the slowed workload asked for, planned and approved; resolves once its patch is on the wire,
 * with what was there before.
 */
async function restartUnderWay(rig: RestartRig): Promise<{ request: RestartRequest; before: Before }> {
  const before = {
    generation: workload(rig).metadata.generation ?? 0,
    wire: rig.kubeWire!.requests.length,
    messages: new Set(rig.slack.messages('C0INCIDENT').map((m) => m.ts)),
  };
  rig.kube.cluster.setPodReadyDelay('deployments', NS, WORKLOAD, SLOW_POD_MS);
  const response = await rig.slash(`restart deployment/${WORKLOAD} -n ${NS} --reason "fault test"`, 'U0OPERATOR');
  expect(response.status).toBe(200);
  const request = await rig.waitForRequest(
    (r) => r.name === WORKLOAD && r.planTs !== undefined && !before.messages.has(r.planTs),
  );
  expect(request.state).toBe('pending');
  await rig.click('approve', request, 'U0APPROVER');
  await until('the patch', () => (patchesOf(rig, before.wire).length > 0 ? true : undefined));
  const running = (await rig.store.restarts.get(request.id))!;
  expect(running.state).toBe('running');
  expect(workload(rig).spec.template.metadata?.annotations?.[RESTARTED_AT]).toBe(running.restartedAt);
  expect(rolledOut(rig)).toBe(false); // struck mid-rollout
  return { request: running, before };
}

/** What every restart fault must end with: succeeded, restarted once, one row per step, one result in Slack. */
async function endsRestartedOnce(rig: RestartRig, request: RestartRequest, before: Before): Promise<void> {
  const done = await rig.waitForRequest(
    (r) => r.id === request.id && (r.state === 'succeeded' || r.state === 'failed'),
  );
  expect(done.state).toBe('succeeded');
  // One patch on the wire, one new pod template: the effect happened once.
  expect(patchesOf(rig, before.wire)).toHaveLength(1);
  expect(workload(rig).metadata.generation).toBe(before.generation + 1);
  expect(workload(rig).spec.template.metadata?.annotations?.[RESTARTED_AT]).toBe(request.restartedAt);
  expect((await rig.audit({ requestId: request.id })).map((r) => r.outcome)).toEqual([
    'requested',
    'approved',
    'started',
    'succeeded',
  ]);
  // The result in the channel: the job's own (“Restarted …”) or the sweep's reading of the cluster (“Request …”).
  const isResult = (text: string) =>
    text.startsWith(`✅ Restarted deployment/${WORKLOAD}`) || text.startsWith(`✅ Request ${request.id}: the restart`);
  const said = () =>
    rig.slack
      .messages('C0INCIDENT')
      .filter((m) => !before.messages.has(m.ts))
      .map((m) => m.text);
  await rig.slack.waitFor(() => said().find(isResult), EVENT_WAIT_MS);
  // Once no follow-up of the request is left to run, nothing can post a second result.
  await until('no follow-up left to run', async () => {
    const jobs = await rig.queue.queue.getJobs(['active', 'waiting', 'delayed', 'prioritized']);
    return jobs.some((j) => j.id?.startsWith(`restart-rollout-${request.id}`)) ? undefined : true;
  });
  expect(said().filter(isResult)).toHaveLength(1);
  expect(said().filter((t) => /^(💥|❌)/.test(t))).toEqual([]); // no internal error or failure left showing
  // The plan's message shows the request finished: no Approve button left to click.
  const plan = rig.slack.messages('C0INCIDENT').find((m) => m.ts === request.planTs);
  expect(JSON.stringify(plan?.blocks ?? [])).not.toContain('restart-approve');
}

describe('Redis restarted without persistence during an approved restart', () => {
  const redis = new PrivateRedis(); // --save '' --appendonly no
  const rig = new RestartRig();
  beforeAll(async () => {
    await redis.start();
    await rig.start({ redisUrl: redis.url, recordKube: true });
  }, EVENT_WAIT_MS);
  afterAll(async () => {
    await rig.stop();
    await redis.close();
  });

  it('ends succeeded from the rollout it started: patched once, one row per step, its result in Slack', async () => {
    const { request, before } = await restartUnderWay(rig);
    await redis.kill();
    await redis.start(); // empty: the job, its lock and the schedulers are gone
    await endsRestartedOnce(rig, request, before);
  });
});

describe('PostgreSQL restarted during an approved restart', () => {
  const postgres = new PrivatePostgres();
  const rig = new RestartRig();
  beforeAll(async () => {
    await postgres.start();
    await rig.start({ postgresAdminUrl: postgres.adminUrl, recordKube: true });
  }, EVENT_WAIT_MS);
  afterAll(async () => {
    await rig.stop();
    await postgres.close();
  });

  it('records the end once PostgreSQL is back: patched once, one row per step, its result in Slack', async () => {
    const { request, before } = await restartUnderWay(rig);
    await postgres.stop();
    // Down until the rollout has ended and the worker has failed to record it (an attempt of the job failed).
    await until('the rollout complete', () => (rolledOut(rig) ? true : undefined));
    const job = (await rig.queue.queue.getJob(request.jobId!))!;
    await until('an attempt failed on PostgreSQL', async () => {
      const now = await rig.queue.queue.getJob(job.id!);
      return (now?.attemptsMade ?? 0) >= 1 ? true : undefined;
    });
    await postgres.start();
    await endsRestartedOnce(rig, request, before);
  });

  it('is settled from the cluster when PostgreSQL stays down through every attempt of the rollout job', async () => {
    const { request, before } = await restartUnderWay(rig);
    await postgres.stop();
    const job = await until('the job failed for good', async () => {
      const now = await rig.queue.queue.getJob(request.jobId!);
      return (await now?.getState()) === 'failed' ? now : undefined;
    });
    expect(job.attemptsMade).toBe(job.opts.attempts);
    expect(rolledOut(rig)).toBe(true);
    await postgres.start();
    // Its job could neither finish it nor fail it (PostgreSQL refused both): the request is still running,
    // holding the workload, until the approvals sweep reads the cluster (a scheduled job; run here as it runs it).
    await rig.sweep();
    await endsRestartedOnce(rig, request, before);
    expect((await rig.store.restarts.get(request.id))?.result).toMatch(/the outcome was read from the cluster$/);
  });
});

describe('Vault sealed during a migration', () => {
  let rig: VaultRig;
  /**
   * Set by the test: the jobs' Vault client seals the stand-in once the next secret write is answered. Writes asked
   * for meanwhile wait for the seal (and so fail): keys move several at once, and a fast client would otherwise
   * have sent every write before the seal.
   */
  let sealAfterWrite = false;
  let sealed: Promise<void> | undefined;
  const sealing = (client: VaultClient): VaultClient => ({
    ...client,
    async kvWrite(mount, path, data, cas) {
      if (!sealAfterWrite || path.startsWith('carbon-ops/')) return client.kvWrite(mount, path, data, cas);
      if (sealed !== undefined) {
        await sealed;
        return client.kvWrite(mount, path, data, cas);
      }
      let markSealed: () => void = () => undefined;
      sealed = new Promise((resolve) => (markSealed = resolve));
      try {
        return await client.kvWrite(mount, path, data, cas);
      } finally {
        rig.vault.setSealed(true);
        sealAfterWrite = false;
        sealed = undefined;
        markSealed();
      }
    },
  });
  beforeAll(async () => {
    rig = await new VaultRig().start({ wrap: sealing });
  }, EVENT_WAIT_MS);
  afterAll(async () => {
    await rig?.stop();
  });

  const CONFIGMAP = 'portal-api-env';
  const migrateText = `vault migrate configmap/${CONFIGMAP} -n ${NS} --cutover --apps-read-vault-files`;

  it('stops naming the seal, leaves the ConfigMap and workloads alone, records what it wrote; the re-run completes', async () => {
    const original = { ...rig.configMap(NS, CONFIGMAP) };
    const secrets = Object.values(original).filter((v) => v.length > 8);
    expect(secrets.length).toBeGreaterThan(0);
    const from = rig.vault.requests.length;
    sealAfterWrite = true;
    const id = await rig.migrate(migrateText);
    rig.vault.setSealed(false);

    const m = (await rig.store.vaultMigrations.get(id))!;
    expect(m.state).toBe('failed');
    const last = rig.texts().at(-1)!;
    expect(last).toMatch(/Vault at \S+ is sealed: the migration stopped/);
    // What was written is recorded as it happened, and the message counts it.
    const keys = await rig.store.vaultMigrations.keys(id);
    const written = keys.filter((k) => k.state === 'written' || k.state === 'verified');
    expect(written.length).toBeGreaterThanOrEqual(1);
    expect(keys.some((k) => k.state === 'planned')).toBe(true);
    expect(keys.some((k) => k.state === 'removed')).toBe(false);
    expect(rig.vaultWrites(from).length).toBeGreaterThanOrEqual(1);
    // The message says exactly what each key reached.
    const shown = { planned: 'not written', written: 'written, not verified', verified: 'in Vault, verified' };
    for (const k of keys) expect(last).toMatch(new RegExp(`${k.key} +${shown[k.state as keyof typeof shown]}`));
    expect(last).toContain(`${keys.filter((k) => k.state === 'verified').length} of ${keys.length} keys in Vault`);
    // No cutover: the ConfigMap and the readers' pod templates are as they were.
    expect(rig.configMap(NS, CONFIGMAP)).toEqual(original);
    for (const w of await rig.store.vaultMigrations.workloads(id)) expect(w.state).not.toBe('annotated');
    // One row per step, the last one the failure naming the seal.
    const rows = (await rig.store.audit.list({ since: new Date(0), action: 'vault-migrate' }, 1000))
      .filter((r) => r.requestId === id)
      .reverse();
    expect(rows.map((r) => r.outcome)).toEqual(['requested', 'approved', 'started', 'failed']);
    expect(rows.at(-1)?.detail).toMatch(/sealed/);

    // Its rollback has nothing of the cluster's to undo and says so; the ConfigMap stays as it was.
    const rollback = await rig.run(`vault rollback ${id}`);
    expect(rollback.ok).toBe(true);
    expect(rig.texts().at(-1)).toMatch(/0 key\(s\) put back into the ConfigMap, 0 workload\(s\) without the injector/);
    expect(rig.configMap(NS, CONFIGMAP)).toEqual(original);
    const rollbackRows = (await rig.store.audit.list({ since: new Date(0), action: 'vault-rollback' }, 100)).filter(
      (r) => r.requestId === id,
    );
    expect(rollbackRows.map((r) => r.outcome).reverse()).toEqual(['started', 'succeeded']);

    // Unsealed, the same migration asked again completes, writing nothing a second time.
    const again = await rig.migrate(migrateText);
    expect((await rig.store.vaultMigrations.get(again))?.state).toBe('succeeded');
    const after = await rig.store.vaultMigrations.keys(again);
    expect(after.every((k) => k.state === 'removed')).toBe(true);
    for (const k of after)
      expect((await rig.vaultDeps.client.kvMetadata('secret', k.targetPath))?.current_version).toBe(1);

    // No secret value anywhere a person or a log reader sees.
    const seen = [...rig.texts(), ...rig.logLines].join('\n');
    for (const secret of secrets) expect(seen).not.toContain(secret);
  });
});

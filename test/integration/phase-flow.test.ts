import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/devstack/kube/index.js';
import { checkMessage } from '../../src/devstack/slack/block-limits.js';
import type { PhaseApply } from '../../src/features/phases/apply-store.js';
import type { RestartRequest } from '../../src/features/restart/store.js';
import { kafkaBrokers } from '../support/kafka.js';
import { RestartRig } from '../support/restart-rig.js';
import { EVENT_WAIT_MS, until } from '../support/until.js';

/**
 * Phase 4 from Slack on real parts: signed slash commands to the Bolt app, BullMQ on the real Redis, a
 * worker, the Kubernetes stand-in, PostgreSQL, and the real Kafka for the benchmark task. The runbooks are
 * the repository's, with a smaller benchmark so the test stays quick.
 */
let dir: string;
const rig = new RestartRig();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phase-flow-'));
  await cp('runbooks', dir, { recursive: true });
  const four = join(dir, 'phase-4.yaml');
  // A short benchmark, and a bar a loaded CI machine clears: the test is about the flow, not about Kafka's speed.
  const text = (await readFile(four, 'utf8'))
    .replace('command: bench kafka', 'command: bench kafka --records 3000 --partitions 1')
    .replace('minRecordsPerSec: 7153', 'minRecordsPerSec: 10');
  await writeFile(four, text);
  await rig.start({ env: { RUNBOOKS_DIR: dir, KAFKA_BROKERS: kafkaBrokers().join(',') } });
});

afterAll(async () => {
  await rig.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const messages = () => rig.slack.messages('C0INCIDENT');
/** The message of the job a slash command started, once it reads like `pattern`. */
const result = (pattern: RegExp, timeoutMs = EVENT_WAIT_MS) =>
  rig.slack.waitFor(() => messages().find((m) => pattern.test(m.text)), timeoutMs);
const pods = (namespace: string) =>
  rig.kube.cluster.list<KubeObject & { status: { phase: string } }>('pods', { namespace });
const failedPods = () =>
  ['default', 'kafka', 'data-platform']
    .flatMap((ns) => pods(ns))
    .filter((p) => p.status.phase === 'Failed')
    .map((p) => `${p.metadata.namespace}/${p.metadata.name}`);

const applyRequest = (
  phase: number,
  predicate: (r: PhaseApply) => boolean,
  timeoutMs = EVENT_WAIT_MS,
): Promise<PhaseApply> =>
  rig.waitForApproval(rig.store.phaseApplies, (r) => r.phase === phase && predicate(r), timeoutMs);

describe('phase 4 from Slack', () => {
  it('plans: a server-side dry run with a diff per object, and nothing changes', async () => {
    await rig.slash('phase plan 4', 'U0VIEWER');
    const plan = await result(/^Phase 4 plan · Platform Stabilization & Hardening: would create 23, change 0/);
    expect(checkMessage({ text: plan.text, blocks: plan.blocks })).toBeUndefined();
    const text = JSON.stringify(plan.blocks);
    expect(text).toContain('create    PodDisruptionBudget kafka/kafka');
    expect(text).toContain('create    CronJob data-platform/etl-db-extract');
    expect(text).toContain('delete    Pod default/net-debug');
    expect(text).toContain('dryRun=All');
    // Nothing was written: no budget exists, the failed pods are all still there.
    expect(rig.kube.cluster.get('poddisruptionbudgets', 'kafka', 'kafka')).toBeUndefined();
    expect(failedPods()).toHaveLength(5);
  });

  it('refuses bad phase numbers, unknown tasks, and an apply by someone without the role', async () => {
    await rig.slash('phase plan 9', 'U0VIEWER');
    await result(/There is no phase 9: the runbooks define phases 1–5/);
    await rig.slash('phase verify 4 --task pdbs', 'U0OPERATOR');
    await result(/Phase 4 has no task `pdbs`\. Its tasks: `pod-disruption-budgets`/);
    await rig.slash('phase plan four', 'U0VIEWER');
    await rig.whisper('U0VIEWER', /`four` is not a phase number/);
    await rig.slash('phase apply 4', 'U0VIEWER');
    await rig.whisper('U0VIEWER', /`phase apply` needs the operator role; your role is viewer/);
    expect(await rig.store.pool.query('SELECT 1 FROM phase_apply_requests').then((r) => r.rowCount)).toBe(0);
  });

  it('applies after another person approves: objects applied by carbon-ops, failed pods deleted, health up, state stored', async () => {
    const healthBefore = await measuredHealth();
    await rig.slash('phase apply 4', 'U0OPERATOR');
    const request = await applyRequest(4, (r) => r.state === 'pending' && r.planTs !== undefined);
    expect(request).toMatchObject({
      requestedBy: 'U0OPERATOR',
      approvalsRequired: 1,
      phase: 4,
      force: false,
      cluster: '254carbon-demo',
    });
    const planText = JSON.stringify(messages().find((m) => m.ts === request.planTs)?.blocks);
    expect(planText).toContain('restart-approve'); // the shared Approve button
    expect(planText).toContain(`request: ${request.id}`);
    expect(rig.kube.cluster.get('poddisruptionbudgets', 'kafka', 'kafka')).toBeUndefined(); // still nothing changed

    // The requester cannot approve their own apply (two-person rule); an approver can.
    await rig.slash(`approve ${request.id}`, 'U0OPERATOR');
    await rig.whisper('U0OPERATOR', /needs the approver role/);
    expect((await rig.click('approve', request as unknown as RestartRequest, 'U0APPROVER')).status).toBe(200);
    const done = await applyRequest(4, (r) => r.id === request.id && (r.state === 'succeeded' || r.state === 'failed'));
    expect(done.state).toBe('succeeded');
    const report = await result(/^Phase 4 applied · Platform Stabilization & Hardening/);
    expect(checkMessage({ text: report.text, blocks: report.blocks })).toBeUndefined();

    // Server-side applied as carbon-ops.
    const pdb = rig.kube.cluster.get<KubeObject & { spec: { maxUnavailable: number } }>(
      'poddisruptionbudgets',
      'kafka',
      'kafka',
    )!;
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.metadata.managedFields?.some((f) => f.manager === 'carbon-ops' && f.operation === 'Apply')).toBe(true);
    expect(rig.kube.cluster.list('resourcequotas', { namespace: 'data-platform' })).toHaveLength(1);
    expect(rig.kube.cluster.list('cronjobs', { namespace: 'data-platform' })).toHaveLength(2);
    // The clean-up: the five failed pods are gone, nothing else; health rose.
    expect(failedPods()).toEqual([]);
    const healthAfter = await measuredHealth();
    expect(healthAfter.counted).toBe(healthBefore.counted - 5);
    expect(healthAfter.pct).toBeGreaterThan(healthBefore.pct);

    // Each task's state in PostgreSQL: the job task runs on, the check after it waits for it.
    const tasks = await rig.store.phases.tasks('254carbon-demo', 4);
    const state = Object.fromEntries(tasks.map((t) => [t.task, t.state]));
    expect(state).toMatchObject({
      'pod-disruption-budgets': 'done',
      'resource-quotas': 'done',
      'clean-up-failed-pods': 'done',
      'pdbs-cover-critical': 'done',
      'quotas-present': 'done',
      'external-egress': 'done',
      'secret-templates': 'done',
      'etl-templates': 'done',
      'kafka-benchmark': 'running',
      'kafka-baseline': 'pending',
    });
    const bench = tasks.find((t) => t.task === 'kafka-benchmark')!;
    expect(bench).toMatchObject({ by: 'U0OPERATOR', jobId: `phase-4-kafka-benchmark-phase-apply-${request.id}` });
    expect(tasks.find((t) => t.task === 'clean-up-failed-pods')?.detail).toMatch(/^deleted 5 failed pods: /);
    const objects = await rig.store.phases.objects('254carbon-demo', new Date(0));
    expect(objects.filter((o) => o.action === 'created')).toHaveLength(23);
    expect(
      objects
        .filter((o) => o.action === 'deleted')
        .map((o) => `${o.namespace}/${o.name}`)
        .sort(),
    ).toHaveLength(5);

    // The audit trail: the request's steps, and each task's, with the approver.
    const rows = await rig.audit({ requestId: request.id });
    expect(rows.map((r) => r.outcome)).toEqual(
      expect.arrayContaining(['requested', 'approved', 'started', 'succeeded']),
    );
    const cleanup = rows.filter((r) => r.target === 'phase 4/clean-up-failed-pods');
    expect(cleanup.map((r) => r.outcome)).toEqual(['started', 'succeeded']);
    expect(cleanup[0]).toMatchObject({ actor: 'U0OPERATOR', approver: 'U0APPROVER', action: 'phase' });
    expect(cleanup[0]!.detail).toMatch(/^deleting 5 failed pods: data-platform\/datahub-elasticsearch-setup-/);
  });

  it('verifies once the benchmark job is done: every check passes, the dashboard shows phase 4 complete', async () => {
    const jobId = (await rig.store.phases.tasks('254carbon-demo', 4)).find((t) => t.task === 'kafka-benchmark')!.jobId!;
    await until('the benchmark job to complete', async () =>
      (await (await rig.queue.queue.getJob(jobId))?.isCompleted()) ? true : undefined,
    );
    await rig.slash('phase verify 4', 'U0OPERATOR');
    const verified = await result(/^Phase 4 verified/);
    const failing = (await rig.store.phases.tasks('254carbon-demo', 4))
      .filter((t) => t.state !== 'done')
      .map((t) => `${t.task}: ${t.state} ${t.detail}`);
    expect(failing).toEqual([]);
    expect(verified.text).toMatch(/ok, 100% done/);
    await rig.slash('phase status', 'U0VIEWER');
    const dashboard = await result(/^Phase progress:/);
    expect(checkMessage({ text: dashboard.text, blocks: dashboard.blocks })).toBeUndefined();
    const box = JSON.stringify(dashboard.blocks);
    expect(box).toMatch(/Phase 4: Platform Stabilization & Hardening\s+100% ████████████/);
    expect(box).toMatch(/Phase 1: Infrastructure Stabilization\s+0% ░░░░░░░░░░░░/);
    expect((await rig.store.phases.progress('254carbon-demo')).find((p) => p.phase === 4)).toMatchObject({
      done: 10,
      total: 10,
      pct: 100,
    });

    // Applying again what is in sync asks nobody to approve a no-op.
    await rig.slash('phase apply 4 --task resource-quotas', 'U0OPERATOR');
    await result(/Nothing to apply: every object is in sync and there is no failed pod to delete/);
  });
});

/** Health as the health report computes it: ready ÷ (all pods − Succeeded). */
async function measuredHealth(): Promise<{ pct: number; counted: number }> {
  const all = rig.kube.cluster
    .list<KubeObject & { status: { phase: string; conditions?: { type: string; status: string }[] } }>('pods')
    .filter((p) => p.metadata.deletionTimestamp === undefined);
  const counted = all.filter((p) => p.status.phase !== 'Succeeded');
  const ready = counted.filter((p) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  return { pct: (ready.length / counted.length) * 100, counted: counted.length };
}

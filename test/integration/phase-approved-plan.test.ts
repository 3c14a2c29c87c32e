import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/devstack/kube/index.js';
import type { CleanupPod } from '../../src/features/phases/cleanup.js';
import type { PhaseApply } from '../../src/features/phases/apply-store.js';
import type { RestartRequest } from '../../src/features/restart/store.js';
import { RestartRig } from '../support/restart-rig.js';
import { EVENT_WAIT_MS, until } from '../support/until.js';

/**
 * `phase apply` runs what was approved, not what is on disk or in the cluster at run time: a runbook or
 * manifest edited after the plan is refused, and a cleanup deletes only the pods of the approved plan.
 */
let dir: string;
const rig = new RestartRig();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phase-approved-'));
  await cp('runbooks', join(dir, 'runbooks'), { recursive: true });
  await cp('manifests/phases', join(dir, 'manifests'), { recursive: true });
  await rig.start({ env: { RUNBOOKS_DIR: join(dir, 'runbooks'), PHASE_MANIFESTS_DIR: join(dir, 'manifests') } });
});

afterAll(async () => {
  await rig.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const messages = () => rig.slack.messages('C0INCIDENT');

const applyRequest = (predicate: (r: PhaseApply) => boolean, timeoutMs = EVENT_WAIT_MS): Promise<PhaseApply> =>
  rig.waitForApproval(rig.store.phaseApplies, (r) => r.phase === 4 && predicate(r), timeoutMs);

const failedPods = () =>
  rig.kube.cluster
    .list<KubeObject & { status: { phase: string } }>('pods')
    .filter((p) => p.status.phase === 'Failed' && p.metadata.deletionTimestamp === undefined)
    .map((p) => `${p.metadata.namespace}/${p.metadata.name}`)
    .sort();

describe('phase apply runs the approved plan', () => {
  it('refuses, changing nothing, when a manifest changed after the plan was made', async () => {
    await rig.slash('phase apply 4 --task resource-quotas', 'U0OPERATOR');
    const request = await applyRequest(
      (r) => r.task === 'resource-quotas' && r.state === 'pending' && r.planTs !== undefined,
    );
    expect(request.plan.digest).toMatch(/^[0-9a-f]{64}$/);
    // Someone edits the manifest on disk after the approver's plan was posted.
    const file = join(dir, 'manifests', 'resource-quotas.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/requests\.cpu: "?(\w+)"?/, 'requests.cpu: "999"'));
    await rig.click('approve', request as unknown as RestartRequest, 'U0APPROVER');
    const failed = await applyRequest((r) => r.id === request.id && r.state === 'failed');
    expect(failed.result).toMatch(/^Phase 4 was NOT applied: its runbook or manifests changed since the approved plan/);
    await rig.slack.waitFor(
      () => messages().find((m) => /Phase 4 was NOT applied: its runbook or manifests changed/.test(m.text)),
      EVENT_WAIT_MS,
    );
    expect(rig.kube.cluster.list('resourcequotas', { namespace: 'data-platform' })).toHaveLength(0);
  });

  it('deletes only the planned pods: one that failed after the plan stays, one already gone is skipped', async () => {
    const before = failedPods();
    expect(before.length).toBeGreaterThanOrEqual(3);
    await rig.slash('phase apply 4 --task clean-up-failed-pods', 'U0OPERATOR');
    const request = await applyRequest(
      (r) => r.task === 'clean-up-failed-pods' && r.state === 'pending' && r.planTs !== undefined,
    );
    const cleanup = request.plan.tasks.find((t) => t.kind === 'cleanup') as { pods: CleanupPod[] };
    expect(cleanup.pods.map((p) => `${p.namespace}/${p.name}`).sort()).toEqual(before);

    // As if one pod had failed only after the plan was made: it is not in the approved plan.
    const [unplanned, ...rest] = cleanup.pods;
    const plan = {
      ...request.plan,
      tasks: request.plan.tasks.map((t) => (t.kind === 'cleanup' ? { ...t, pods: rest } : t)),
    };
    await rig.store.pool.query('UPDATE phase_apply_requests SET plan = $2 WHERE id = $1', [
      request.id,
      JSON.stringify(plan),
    ]);
    // And one planned pod goes away on its own before the approval.
    const gone = rest[0]!;
    rig.kube.cluster.delete('pods', gone.namespace, gone.name);

    await rig.click('approve', request as unknown as RestartRequest, 'U0APPROVER');
    await applyRequest((r) => r.id === request.id && (r.state === 'succeeded' || r.state === 'failed'));
    // The deleted pods terminate in the stand-in: wait until only the unplanned one is left failing.
    const left = [`${unplanned!.namespace}/${unplanned!.name}`];
    await until('the deleted pods to terminate', () => (failedPods().length === left.length ? true : undefined));
    expect(failedPods()).toEqual(left);
    const task = (await rig.store.phases.tasks('254carbon-demo', 4)).find((t) => t.task === 'clean-up-failed-pods')!;
    expect(task.detail).toMatch(
      new RegExp(`^deleted ${rest.length - 1} failed pods: .*; 1 planned pod already gone or no longer failed`),
    );
    expect(task.detail).toMatch(/not in the approved plan: left alone/);
    const deleted = (await rig.store.phases.objects('254carbon-demo', new Date(0)))
      .filter((o) => o.action === 'deleted')
      .map((o) => o.name);
    expect(deleted).not.toContain(unplanned!.name);
    expect(deleted).not.toContain(gone.name);
  });
});

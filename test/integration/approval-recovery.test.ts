import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Deployment } from '../../src/devstack/kube/index.js';
import { RESTARTED_AT, restartedAtValue } from '../../src/features/restart/plan.js';
import type { RestartRequest } from '../../src/features/restart/store.js';
import { EVENT_WAIT_MS, until } from '../support/until.js';
import { RestartRig } from '../support/restart-rig.js';

/**
 * Requests that lost their follow-up job must not hold their workload for ever: the process died between
 * saving the approval and enqueueing the rollout, or the rollout's job failed after its worker died.
 */
const rig = new RestartRig();
beforeAll(() => rig.start());
afterAll(() => rig.stop());

/** `service`'s restart, planned and awaiting approval; `name`: its workload's, when the service is named otherwise. */
const pending = (service: string, name = service) => rig.pendingRestart(service, 'stuck request test', name);

/** The approval is saved, and the process dies before it enqueues the rollout; `secondsAgo`. */
async function approvedWithoutJob(request: RestartRequest, secondsAgo: number): Promise<void> {
  expect(await rig.store.restarts.approve(request.id, 'U0APPROVER', request.channel)).toBeDefined();
  await rig.store.pool.query(
    `UPDATE restart_requests SET decided_at = now() - make_interval(secs => $2) WHERE id = $1`,
    [request.id, secondsAgo],
  );
}

const sweep = () => rig.sweep();
const workload = (namespace: string, name: string) => rig.kube.cluster.get<Deployment>('deployments', namespace, name)!;

describe('an approved request whose follow-up job was lost', () => {
  it('is started by a second Approve click instead of only saying "already approved"', async () => {
    const request = await pending('superset');
    await approvedWithoutJob(request, 30); // not a double click (10 s), not yet swept (60 s)
    await rig.click('approve', request, 'U0APPROVER');
    await rig.whisper(
      'U0APPROVER',
      new RegExp(`Request ${request.id} was already approved but the restart .* had not started`),
    );
    const done = await rig.waitForRequest((r) => r.id === request.id && r.state === 'succeeded');
    expect(done.jobId).toBe(`restart-rollout-${request.id}`);
    expect((await rig.audit({ requestId: request.id })).map((r) => r.outcome)).toEqual([
      'requested',
      'approved',
      'started',
      'succeeded',
    ]);
  });

  it('is started by the sweep that runs with expiry', async () => {
    const request = await pending('portal');
    await approvedWithoutJob(request, 300);
    await sweep();
    await rig.waitForRequest((r) => r.id === request.id && r.state === 'succeeded');
    // A second sweep finds nothing to do (the job exists, then the request is finished).
    await sweep();
    expect((await rig.audit({ requestId: request.id })).filter((r) => r.outcome === 'started')).toHaveLength(1);
  });

  it('is left alone while recent (the approval is being acted on)', async () => {
    const request = await pending('lakefs');
    expect(await rig.store.restarts.approve(request.id, 'U0APPROVER', request.channel)).toBeDefined();
    await sweep();
    expect(await rig.queue.queue.getJob(`restart-rollout-${request.id}`)).toBeUndefined();
    expect((await rig.store.restarts.get(request.id))?.state).toBe('approved');
    await rig.store.restarts.finish(request.id, 'failed', 'test cleanup', 'test');
  });
});

describe('a running request whose job failed or is gone', () => {
  it('is resumed when Redis lost its job: its patch sent once, succeeded, audited; the workload held meanwhile', async () => {
    const request = await pending('grafana');
    expect(await rig.store.restarts.approve(request.id, 'U0APPROVER', request.channel)).toBeDefined();
    const before = workload('monitoring', 'grafana');
    // A worker started it (the value recorded with the `started` row), then died before the patch; Redis,
    // restarted without persistence, has no trace of its job.
    const value = restartedAtValue();
    expect(await rig.store.restarts.start(request.id, value, `restart-rollout-${request.id}`)).toBeDefined();
    // The next request for the workload settles the lost one first (its planning job runs the recovery):
    // it is resumed, so the workload is still held and the new request refused.
    await rig.slash('restart grafana --reason "stuck request test"', 'U0OPERATOR');
    await rig.slack.waitFor(
      () => rig.slack.messages('C0INCIDENT').find((m) => m.text.includes(`already in progress: request ${request.id}`)),
      EVENT_WAIT_MS,
    );
    const done = await rig.waitForRequest((r) => r.id === request.id && r.state === 'succeeded');
    expect(done.jobId).toBe(`restart-rollout-${request.id}-r1`);
    const after = workload('monitoring', 'grafana');
    expect(after.metadata.generation).toBe((before.metadata.generation ?? 0) + 1); // one patch
    expect(after.spec.template.metadata?.annotations?.[RESTARTED_AT]).toBe(value);
    expect((await rig.audit({ requestId: request.id })).map((r) => r.outcome)).toEqual([
      'requested',
      'approved',
      'started',
      'succeeded',
    ]);
    // Said in the thread, in the message the resumed job then edits into its result.
    const posted = rig.slack.calls.filter((c) => c.method === 'chat.postMessage').map((c) => String(c.payload.text));
    expect(posted).toContainEqual(
      expect.stringMatching(new RegExp(`^🔄 Request ${request.id}: its job restart-rollout-${request.id} is gone`)),
    );
    const results = rig.slack
      .messages('C0INCIDENT')
      .filter((m) => m.text.startsWith('✅ Restarted deployment/grafana'));
    expect(results).toHaveLength(1);
    expect(JSON.stringify(results[0]!.blocks)).toContain('resumed by another worker');
    // Done: the workload is free again.
    const next = await pending('grafana');
    expect(next.id).not.toBe(request.id);
    await rig.store.restarts.finish(next.id, 'failed', 'test cleanup', 'test');
  });

  it('is finished from the cluster when the rollout it started has completed', async () => {
    const request = await pending('harbor', 'harbor-core');
    expect(await rig.store.restarts.approve(request.id, 'U0APPROVER', request.channel)).toBeDefined();
    const value = restartedAtValue();
    await rig.store.restarts.start(request.id, value, `restart-rollout-${request.id}`);
    // Its worker patched the workload, then it and its job were lost; the rollout went on without them.
    const kube = rig.workerDeps().kube;
    await kube.restartWorkload('deployment', 'registry', 'harbor-core', value);
    await until('the rollout complete', () => {
      const now = workload('registry', 'harbor-core');
      const status = now.status as { updatedReplicas?: number; availableReplicas?: number; replicas?: number };
      return (now.status as { observedGeneration?: number }).observedGeneration === now.metadata.generation &&
        status.updatedReplicas === now.spec.replicas &&
        status.availableReplicas === now.spec.replicas &&
        status.replicas === now.spec.replicas
        ? true
        : undefined;
    });
    await sweep();
    const done = await rig.store.restarts.get(request.id);
    expect(done?.state).toBe('succeeded');
    expect(done?.result).toMatch(/pods updated and ready; its worker was lost, the outcome was read from the cluster$/);
    const rows = await rig.audit({ requestId: request.id });
    expect(rows.map((r) => r.outcome)).toEqual(['requested', 'approved', 'started', 'succeeded']);
    expect(
      rig.slack.messages('C0INCIDENT').filter((m) => m.text.startsWith(`✅ Request ${request.id}: the restart`)),
    ).toHaveLength(1);
  });

  it('is left alone while its job is alive', async () => {
    const request = await pending('ray-head');
    expect(await rig.store.restarts.approve(request.id, 'U0APPROVER', request.channel)).toBeDefined();
    const job = await rig.queue.queue.add('restart-rollout', { request: 'nothing' } as never, {
      jobId: 'restart-rollout-alive',
      delay: 60_000,
    });
    await rig.store.pool.query(
      `UPDATE restart_requests SET state = 'running', started_at = now(), job_id = $2 WHERE id = $1`,
      [request.id, job.id],
    );
    await sweep();
    expect((await rig.store.restarts.get(request.id))?.state).toBe('running');
    await job.remove();
    await sweep();
    expect((await rig.store.restarts.get(request.id))?.state).toBe('failed');
  });
});

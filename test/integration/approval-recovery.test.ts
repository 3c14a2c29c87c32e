import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WebClient } from '@slack/web-api';
import { sweepApprovals } from '../../src/app/approval-kinds.js';
import { slackChat } from '../../src/integrations/slack.js';
import { silentLogger } from '../../src/log.js';
import type { RestartRequest } from '../../src/features/restart/store.js';
import { RestartRig } from '../support/restart-rig.js';

/**
 * Requests that lost their follow-up job must not hold their workload for ever: the process died between
 * saving the approval and enqueueing the rollout, or the rollout's job failed after its worker died.
 */
const rig = new RestartRig();
beforeAll(() => rig.start());
afterAll(() => rig.stop());

async function pending(workload: string): Promise<RestartRequest> {
  await rig.slash(`restart ${workload} --reason "stuck request test"`, 'U0OPERATOR');
  return rig.waitForRequest((r) => r.name === workload && r.planTs !== undefined && r.state === 'pending');
}

/** The approval is saved, and the process dies before it enqueues the rollout; `secondsAgo`. */
async function approvedWithoutJob(request: RestartRequest, secondsAgo: number): Promise<void> {
  expect(await rig.store.restarts.approve(request.id, 'U0APPROVER', request.channel)).toBeDefined();
  await rig.store.pool.query(
    `UPDATE restart_requests SET decided_at = now() - make_interval(secs => $2) WHERE id = $1`,
    [request.id, secondsAgo],
  );
}

const sweep = () => {
  const chat = slackChat(new WebClient('xoxb-test', { slackApiUrl: rig.slack.url, retryConfig: { retries: 0 } }));
  return sweepApprovals(rig.store, chat, silentLogger(), rig.queue);
};

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
  it('is finished as failed ("worker lost", audited) and no longer blocks the workload', async () => {
    const request = await pending('grafana');
    expect(await rig.store.restarts.approve(request.id, 'U0APPROVER', request.channel)).toBeDefined();
    // The rollout began on a worker that died, and BullMQ dropped its job (failed, then removed).
    await rig.store.pool.query(
      `UPDATE restart_requests SET state = 'running', started_at = now(), job_id = 'restart-rollout-gone' WHERE id = $1`,
      [request.id],
    );
    // The next request for the workload sweeps first (its planning job runs the expiry): it is accepted.
    const next = await pending('grafana');
    expect(next.id).not.toBe(request.id);
    const failed = await rig.store.restarts.get(request.id);
    expect(failed?.state).toBe('failed');
    expect(failed?.result).toMatch(/^worker lost: its job restart-rollout-gone is gone/);
    const rows = await rig.audit({ requestId: request.id });
    expect(rows.at(-1)).toMatchObject({ outcome: 'failed', jobId: 'restart-rollout-gone' });
    expect(rows.at(-1)?.detail).toMatch(/worker lost/);
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

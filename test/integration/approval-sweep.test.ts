import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Store } from '../../src/app/store.js';
import { sweepApprovals } from '../../src/app/approval-kinds.js';
import { createPool } from '../../src/integrations/postgres.js';
import { recordingStore } from '../support/recording-store.js';
import { RestartRig } from '../support/restart-rig.js';
import { until } from '../support/until.js';

/**
 * The approvals sweep runs before every planning job and on its schedule: when there is nothing to settle
 * it costs one read-only statement per kind; when there is, two sweeps at once still act once. A follow-up
 * that failed because PostgreSQL was unreachable is later settled with that cause, not "worker lost".
 */
const rig = new RestartRig();
beforeAll(() => rig.start());
afterAll(() => rig.stop());

const pending = (service: string) => rig.pendingRestart(service, 'sweep test');

/** A port nothing listens on: a PostgreSQL that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the approvals sweep', () => {
  it('sends one read-only statement per kind of request when there is nothing to settle', async () => {
    const { store, statements } = recordingStore(rig.db.url);
    try {
      await sweepApprovals({ ...rig.workerDeps(), store, queue: rig.queue });
      expect(statements).toHaveLength(3); // restart, phase apply, Vault migration
      for (const statement of statements) expect(statement).toMatch(/^SELECT /);
    } finally {
      await store.close();
    }
  });

  it('expires an overdue request once when two sweeps run at once', async () => {
    const request = await pending('superset');
    await rig.store.pool.query(`UPDATE restart_requests SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      request.id,
    ]);
    await Promise.all([rig.sweep(), rig.sweep()]);
    expect((await rig.store.restarts.get(request.id))?.state).toBe('expired');
    expect((await rig.audit({ requestId: request.id })).map((r) => r.outcome)).toEqual(['requested', 'expired']);
  });
});

describe('a follow-up that failed because PostgreSQL was unreachable', () => {
  it('is settled by the sweep saying so, not "worker lost"', async () => {
    const request = await pending('portal');
    // The only worker left reaches PostgreSQL at a closed port: the rollout cannot even load its request.
    await rig.worker!.close();
    const down = new Store(createPool(`postgresql://carbon:none@127.0.0.1:${await closedPort()}/carbon`));
    const { buildWorker } = await import('../../src/app/worker.js');
    const cut = await buildWorker({ ...rig.workerDeps(), store: down }, { concurrency: 1, progressIntervalMs: 50 });
    try {
      await rig.click('approve', request, 'U0APPROVER');
      const jobId = `restart-rollout-${request.id}`;
      await until('the rollout to fail for good', async () =>
        (await rig.queue.queue.getJobState(jobId)) === 'failed' ? true : undefined,
      );
    } finally {
      await cut.close();
      await down.close();
      await rig.startWorker();
    }
    // PostgreSQL is back (the rig's store); the request still holds its workload until the sweep settles it.
    await rig.store.pool.query(`UPDATE restart_requests SET decided_at = now() - interval '5 minutes' WHERE id = $1`, [
      request.id,
    ]);
    await rig.sweep();
    const settled = await rig.store.restarts.get(request.id);
    expect(settled?.state).toBe('failed');
    const said = `Request ${request.id}: its job restart-rollout-${request.id} failed: PostgreSQL was unreachable (ECONNREFUSED) before it started; nothing was done.`;
    expect(settled?.result).toBe(said.slice(`Request ${request.id}: `.length, -1));
    expect(rig.slack.messages('C0INCIDENT').map((m) => m.text)).toContainEqual(`⚠️ ${said}`);
    expect(rig.slack.messages('C0INCIDENT').some((m) => m.text.includes('worker lost'))).toBe(false);
  });
});

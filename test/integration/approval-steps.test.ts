import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AuditRow } from '../../src/store/audit-log.js';
import { recordingStore } from '../support/recording-store.js';
import { RestartRig } from '../support/restart-rig.js';

/**
 * A request's start and end, each with its audit row: one statement on the usual path, and the same rows as the
 * transaction path writes (which still runs when the statement fails, e.g. for a request that has no
 * `requested` row to copy the description from).
 */
const rig = new RestartRig();
beforeAll(() => rig.start());
afterAll(() => rig.stop());

const pending = (service: string) => rig.pendingRestart(service, 'steps test');

/** What every row of a request repeats about it. */
const describing = (row: AuditRow) => ({
  action: row.action,
  command: row.command,
  target: row.target,
  reason: row.reason,
  cluster: row.cluster,
  channel: row.channel,
  threadLink: row.threadLink,
  requestId: row.requestId,
});

describe("a request's steps", () => {
  it('start and end each in one statement, with audit rows that describe the request as its `requested` row', async () => {
    const request = await pending('superset');
    await rig.store.pool.query(`UPDATE restart_requests SET state = 'approved', approved_by = $2 WHERE id = $1`, [
      request.id,
      ['U0APPROVER'],
    ]);
    const { store, statements } = recordingStore(rig.db.url);
    try {
      expect(await store.restarts.start(request.id, '2026-12-08T00:00:00Z', 'job-start')).toMatchObject({
        state: 'running',
        restartedAt: '2026-12-08T00:00:00Z',
      });
      expect(await store.restarts.finish(request.id, 'succeeded', 'restarted', 'job-start')).toMatchObject({
        state: 'succeeded',
      });
      expect(statements).toHaveLength(2);
      expect(await store.restarts.finish(request.id, 'failed', 'late', 'job-other')).toBeUndefined();
    } finally {
      await store.close();
    }
    const rows = await rig.audit({ requestId: request.id });
    expect(rows.map((r) => r.outcome)).toEqual(['requested', 'started', 'succeeded']);
    for (const row of rows.slice(1)) expect(describing(row)).toEqual(describing(rows[0]!));
    expect(rows[1]).toMatchObject({
      actor: 'U0OPERATOR',
      approver: 'U0APPROVER',
      jobId: 'job-start',
      detail: 'kubectl.kubernetes.io/restartedAt=2026-12-08T00:00:00Z',
    });
    expect(rows[2]).toMatchObject({ actor: 'U0OPERATOR', approver: 'U0APPROVER', detail: 'restarted' });
  });

  it('are still audited in full for a request without a `requested` row (the transaction path)', async () => {
    const first = await pending('portal');
    await rig.store.restarts.reject(first.id, 'U0OPERATOR', 'C0INCIDENT', false, undefined);
    const id = `${first.id}-byhand`;
    // A request made outside carbon-ops (no `requested` row): the same columns, approved.
    await rig.store.pool.query(
      `INSERT INTO restart_requests
         (id, origin_job, expires_at, requested_by, channel, thread_ts, status_ts, approvals_required, cluster,
          namespace, kind, name, service, reason, plan, state)
       SELECT $2, $2, expires_at, requested_by, channel, thread_ts, status_ts, approvals_required, cluster,
              namespace, kind, name, service, reason, plan, 'approved'
         FROM restart_requests WHERE id = $1`,
      [first.id, id],
    );
    const { store, statements } = recordingStore(rig.db.url);
    try {
      expect(await store.restarts.start(id, '2026-12-08T00:00:01Z', 'job-hand')).toMatchObject({ state: 'running' });
    } finally {
      await store.close();
    }
    expect(statements.slice(1)).toEqual([
      'BEGIN',
      expect.stringMatching(/^UPDATE restart_requests/),
      expect.stringMatching(/^INSERT INTO audit_log/),
      'COMMIT',
    ]);
    const [started] = await rig.audit({ requestId: id });
    const [requested] = await rig.audit({ requestId: first.id });
    expect(started).toMatchObject({
      ...describing(requested!),
      requestId: id,
      outcome: 'started',
      actor: 'U0OPERATOR',
      jobId: 'job-hand',
    });
  });

  it('a retried planning job gets the request it made, audited once, even while that request holds the target', async () => {
    const request = await pending('grafana');
    const { store, statements } = recordingStore(rig.db.url);
    try {
      const again = await store.restarts.create({ ...request, id: `${request.id}-retry` }, 'job-retry');
      expect(again).toMatchObject({ created: false, request: { id: request.id, state: 'pending' } });
      expect(statements.filter((s) => s !== 'BEGIN' && s !== 'COMMIT')).toEqual([
        expect.stringMatching(/^INSERT INTO restart_requests/),
        expect.stringMatching(/^SELECT \* FROM restart_requests WHERE origin_job/),
      ]);
    } finally {
      await store.close();
    }
    expect((await rig.audit({ requestId: request.id })).map((r) => r.outcome)).toEqual(['requested']);
    expect(await rig.store.restarts.get(`${request.id}-retry`)).toBeUndefined();
  });
});

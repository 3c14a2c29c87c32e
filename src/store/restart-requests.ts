import type { WorkloadKind } from '../catalogue.js';
import type { Pool } from '../integrations/postgres.js';
import { auditTarget, type Plan } from '../restart/plan.js';
import type { AuditEntry, AuditLog } from './audit-log.js';
import { withTransaction } from './transaction.js';

export type RequestState = 'pending' | 'approved' | 'running' | 'succeeded' | 'failed' | 'rejected' | 'expired';

/** States in which a request holds its workload: at most one such request per workload (a unique index). */
export const OPEN_STATES: readonly RequestState[] = ['pending', 'approved', 'running'];

export interface RestartRequest {
  id: string;
  originJob: string;
  createdAt: Date;
  expiresAt: Date;
  cluster: string;
  namespace: string;
  kind: WorkloadKind;
  name: string;
  service?: string;
  reason: string;
  requestedBy: string;
  channel: string;
  threadTs: string;
  statusTs: string;
  planTs?: string;
  plan: Plan;
  approvalsRequired: number;
  approvedBy: string[];
  decidedBy?: string;
  decidedAt?: Date;
  state: RequestState;
  restartedAt?: string;
  startedAt?: Date;
  finishedAt?: Date;
  jobId?: string;
  result?: string;
}

export interface NewRequest {
  id: string;
  originJob: string;
  expiresAt: Date;
  cluster: string;
  namespace: string;
  kind: WorkloadKind;
  name: string;
  service?: string;
  reason: string;
  requestedBy: string;
  channel: string;
  threadTs: string;
  statusTs: string;
  plan: Plan;
  approvalsRequired: number;
}

/** Another request holds the workload (pending, approved or running). */
export class WorkloadBusy extends Error {
  constructor(readonly holder: RestartRequest) {
    super(`restart request ${holder.id} holds ${holder.kind}/${holder.name}`);
  }
}

/** What an audit row about a request says besides the actor and outcome. */
type AuditExtra = Omit<AuditEntry, 'action' | 'command' | 'target' | 'reason' | 'requestId' | 'cluster' | 'threadLink' | 'channel'> & { channel?: string; command?: string };

/**
 * Restart requests from "asked" to "done". Every change of state is one conditional UPDATE
 * (… WHERE state = 'pending' … RETURNING) in the same transaction as its audit row: two clicks, two
 * workers or two bots can race, exactly one wins, and no state changes without its audit row.
 */
export class RestartRequests {
  constructor(
    private readonly pool: Pool,
    private readonly audit: AuditLog,
  ) {}

  /** The audit row for a step of `request`. */
  auditEntry(request: RestartRequest, extra: AuditExtra): AuditEntry {
    return {
      action: 'restart',
      command: `restart ${request.kind}/${request.name} -n ${request.namespace}`,
      target: auditTarget(request),
      reason: request.reason,
      requestId: request.id,
      cluster: request.cluster,
      channel: request.channel,
      threadLink: threadLink(request.channel, request.threadTs),
      ...extra,
    };
  }

  /**
   * Creates the request with its `requested` audit row. A retried planning job gets the request it made
   * before (`created: false`); a workload already held by another request throws WorkloadBusy.
   */
  async create(input: NewRequest, jobId: string): Promise<{ request: RestartRequest; created: boolean }> {
    const existing = await this.byOriginJob(input.originJob);
    if (existing !== undefined) return { request: existing, created: false };
    try {
      return await withTransaction(this.pool, async (client) => {
        const { rows } = await client.query(
          `INSERT INTO restart_requests
             (id, origin_job, expires_at, cluster, namespace, kind, name, service, reason, requested_by, channel, thread_ts, status_ts, plan, approvals_required, state)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, CASE WHEN $15::integer = 0 THEN 'approved' ELSE 'pending' END)
           ON CONFLICT (origin_job) DO NOTHING
           RETURNING *`,
          [
            input.id, input.originJob, input.expiresAt, input.cluster, input.namespace, input.kind, input.name, input.service ?? null,
            input.reason, input.requestedBy, input.channel, input.threadTs, input.statusTs, JSON.stringify(input.plan), input.approvalsRequired,
          ],
        );
        if (rows[0] === undefined) return { request: (await this.byOriginJob(input.originJob, client))!, created: false };
        const request = toRequest(rows[0]);
        await this.audit.record(this.auditEntry(request, { actor: request.requestedBy, outcome: 'requested', jobId, detail: `needs ${request.approvalsRequired} approval(s) by ${request.expiresAt.toISOString()}` }), client);
        if (request.state === 'approved') {
          await this.audit.record(this.auditEntry(request, { actor: request.requestedBy, outcome: 'approved', jobId, detail: 'the policy requires no approval for this command' }), client);
        }
        return { request, created: true };
      });
    } catch (error) {
      if ((error as { code?: string }).code === '23505' && (error as { constraint?: string }).constraint === 'restart_requests_one_open') {
        const holder = await this.openFor(input.cluster, input.namespace, input.kind, input.name);
        if (holder !== undefined) throw new WorkloadBusy(holder);
      }
      throw error;
    }
  }

  async get(id: string): Promise<RestartRequest | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM restart_requests WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : toRequest(rows[0]);
  }

  private async byOriginJob(originJob: string, db: Pick<Pool, 'query'> = this.pool): Promise<RestartRequest | undefined> {
    const { rows } = await db.query('SELECT * FROM restart_requests WHERE origin_job = $1', [originJob]);
    return rows[0] === undefined ? undefined : toRequest(rows[0]);
  }

  async openFor(cluster: string, namespace: string, kind: WorkloadKind, name: string): Promise<RestartRequest | undefined> {
    const { rows } = await this.pool.query(
      `SELECT * FROM restart_requests WHERE cluster = $1 AND namespace = $2 AND kind = $3 AND name = $4 AND state = ANY($5)`,
      [cluster, namespace, kind, name, OPEN_STATES],
    );
    return rows[0] === undefined ? undefined : toRequest(rows[0]);
  }

  async setPlanMessage(id: string, planTs: string): Promise<void> {
    await this.pool.query('UPDATE restart_requests SET plan_ts = $2 WHERE id = $1', [id, planTs]);
  }

  async setJob(id: string, jobId: string): Promise<void> {
    await this.pool.query('UPDATE restart_requests SET job_id = $2 WHERE id = $1', [id, jobId]);
  }

  /**
   * One approval by `user`: counts only while pending and unexpired, never from the requester, never
   * twice from one person. Reaching the required count moves the request to `approved`. Returns the
   * updated request, or undefined when the approval did not count (ask `approvalRefusal` why).
   */
  async approve(id: string, user: string, channel: string): Promise<RestartRequest | undefined> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query(
        `UPDATE restart_requests
            SET approved_by = array_append(approved_by, $2::text),
                state = CASE WHEN cardinality(approved_by) + 1 >= approvals_required THEN 'approved' ELSE 'pending' END,
                decided_by = CASE WHEN cardinality(approved_by) + 1 >= approvals_required THEN $2 ELSE decided_by END,
                decided_at = CASE WHEN cardinality(approved_by) + 1 >= approvals_required THEN now() ELSE decided_at END
          WHERE id = $1 AND state = 'pending' AND expires_at > now() AND requested_by <> $2 AND NOT ($2 = ANY(approved_by))
          RETURNING *`,
        [id, user],
      );
      if (rows[0] === undefined) return undefined;
      const request = toRequest(rows[0]);
      const count = `${request.approvedBy.length} of ${request.approvalsRequired}`;
      await this.audit.record(this.auditEntry(request, { actor: user, channel, approver: user, command: `approve ${id}`, outcome: 'approved', detail: `approval ${count}` }), client);
      return request;
    });
  }

  /** `deny`: only while pending; `asApprover` false limits it to the requester cancelling their own. */
  async reject(id: string, user: string, channel: string, asApprover: boolean, reason: string | undefined): Promise<RestartRequest | undefined> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query(
        `UPDATE restart_requests SET state = 'rejected', decided_by = $2, decided_at = now(), finished_at = now(), result = $4
          WHERE id = $1 AND state = 'pending' AND (requested_by = $2 OR $3::boolean)
          RETURNING *`,
        [id, user, asApprover, reason ?? null],
      );
      if (rows[0] === undefined) return undefined;
      const request = toRequest(rows[0]);
      const detail = (user === request.requestedBy ? 'cancelled by the requester' : 'denied') + (reason ? `: ${reason}` : '');
      await this.audit.record(this.auditEntry(request, { actor: user, channel, approver: user, command: `deny ${id}`, outcome: 'rejected', detail }), client);
      return request;
    });
  }

  /** Expires pending requests past their time (all, or one), each with its `expired` audit row. */
  async expireDue(id?: string): Promise<RestartRequest[]> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query(
        `UPDATE restart_requests SET state = 'expired', finished_at = now()
          WHERE state = 'pending' AND expires_at <= now() AND ($1::text IS NULL OR id = $1)
          RETURNING *`,
        [id ?? null],
      );
      const expired = rows.map(toRequest);
      for (const request of expired) {
        const detail = `not approved within the time allowed (${request.approvedBy.length} of ${request.approvalsRequired} approvals)`;
        await this.audit.record(this.auditEntry(request, { actor: request.requestedBy, outcome: 'expired', detail }), client);
      }
      return expired;
    });
  }

  /**
   * approved → running, recording the annotation value BEFORE the patch is sent, with the `started`
   * audit row in the same transaction: if the audit cannot be written, nothing is recorded and the
   * caller must not patch. Undefined when the request was not `approved` (another worker started it).
   */
  async start(id: string, restartedAt: string, jobId: string): Promise<RestartRequest | undefined> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query(
        `UPDATE restart_requests SET state = 'running', restarted_at = $2, started_at = now(), job_id = $3
          WHERE id = $1 AND state = 'approved'
          RETURNING *`,
        [id, restartedAt, jobId],
      );
      if (rows[0] === undefined) return undefined;
      const request = toRequest(rows[0]);
      const approver = request.approvedBy.join(',') || undefined;
      await this.audit.record(
        this.auditEntry(request, { actor: request.requestedBy, ...(approver ? { approver } : {}), outcome: 'started', jobId, detail: `${'kubectl.kubernetes.io/restartedAt'}=${restartedAt}` }),
        client,
      );
      return request;
    });
  }

  /** running|approved → succeeded|failed with its audit row; undefined when another worker finished it first. */
  async finish(id: string, outcome: 'succeeded' | 'failed', result: string, jobId: string): Promise<RestartRequest | undefined> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query(
        `UPDATE restart_requests SET state = $2, finished_at = now(), result = $3
          WHERE id = $1 AND state IN ('approved', 'running')
          RETURNING *`,
        [id, outcome, result],
      );
      if (rows[0] === undefined) return undefined;
      const request = toRequest(rows[0]);
      const approver = request.approvedBy.join(',') || undefined;
      await this.audit.record(this.auditEntry(request, { actor: request.requestedBy, ...(approver ? { approver } : {}), outcome, jobId, detail: result }), client);
      return request;
    });
  }

  /** Ends a request whose audit row cannot be written, so it does not hold its workload: no audit row, by necessity. */
  async abandon(id: string, result: string): Promise<void> {
    await this.pool.query(`UPDATE restart_requests SET state = 'failed', finished_at = now(), result = $2 WHERE id = $1 AND state IN ('approved', 'running') AND restarted_at IS NULL`, [id, result]);
  }
}

/** A link to the Slack thread; Slack redirects it to the workspace that holds the channel. */
export function threadLink(channel: string, ts: string): string {
  return `https://slack.com/archives/${channel}/p${ts.replace('.', '')}`;
}

function toRequest(row: Record<string, unknown>): RestartRequest {
  const opt = <T>(value: unknown): T | undefined => (value === null || value === undefined ? undefined : (value as T));
  const request: RestartRequest = {
    id: String(row.id),
    originJob: String(row.origin_job),
    createdAt: row.created_at as Date,
    expiresAt: row.expires_at as Date,
    cluster: String(row.cluster),
    namespace: String(row.namespace),
    kind: row.kind as WorkloadKind,
    name: String(row.name),
    reason: String(row.reason),
    requestedBy: String(row.requested_by),
    channel: String(row.channel),
    threadTs: String(row.thread_ts),
    statusTs: String(row.status_ts),
    plan: row.plan as Plan,
    approvalsRequired: Number(row.approvals_required),
    approvedBy: (row.approved_by as string[]) ?? [],
    state: row.state as RequestState,
  };
  const optional: [keyof RestartRequest, unknown][] = [
    ['service', opt(row.service)], ['planTs', opt(row.plan_ts)], ['decidedBy', opt(row.decided_by)], ['decidedAt', opt(row.decided_at)],
    ['restartedAt', opt(row.restarted_at)], ['startedAt', opt(row.started_at)], ['finishedAt', opt(row.finished_at)], ['jobId', opt(row.job_id)],
    ['result', opt(row.result)],
  ];
  for (const [key, value] of optional) if (value !== undefined) (request as unknown as Record<string, unknown>)[key] = value;
  return request;
}

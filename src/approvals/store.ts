import type { Pool } from '../integrations/postgres.js';
import { AUDIT_COLUMNS, AuditUnavailable, type AuditEntry, type AuditLog } from '../store/audit-log.js';
import { withTransaction, type Queryable } from '../store/transaction.js';

export type ApprovalState = 'pending' | 'approved' | 'running' | 'succeeded' | 'failed' | 'rejected' | 'expired';

/** States in which a request holds what it acts on (its kind's partial unique index allows one such request). */
export const OPEN_STATES: readonly ApprovalState[] = ['pending', 'approved', 'running'];

/**
 * The columns every approval table has: APPROVAL_COLUMNS in store/migrations/approval-tables.ts (migration
 * 4, restart_requests, has the same columns in another order). A new kind's migration starts its table
 * with them: the generic statements below rely on them.
 */
export interface ApprovalRequest {
  id: string;
  /** The job that planned it: a retried planning job finds the request it made. */
  originJob: string;
  createdAt: Date;
  expiresAt: Date;
  requestedBy: string;
  channel: string;
  /** The Slack thread everything is posted in. */
  threadTs: string;
  /** The message that shows the request's state. */
  statusTs: string;
  /** The plan with the Approve and Deny buttons. */
  planTs?: string;
  approvalsRequired: number;
  approvedBy: string[];
  decidedBy?: string;
  decidedAt?: Date;
  state: ApprovalState;
  startedAt?: Date;
  finishedAt?: Date;
  jobId?: string;
  result?: string;
}

/** Thrown by a repository's `create` when another open request holds the same target. */
export class RequestBusy<R extends ApprovalRequest = ApprovalRequest> extends Error {
  constructor(readonly holder: R) {
    super(`request ${holder.id} holds the target`);
  }
}

/** What every kind's create() needs besides its own columns. */
export interface NewApproval {
  id: string;
  originJob: string;
  expiresAt: Date;
  requestedBy: string;
  channel: string;
  threadTs: string;
  statusTs: string;
  approvalsRequired: number;
}

/** What an audit row about a request says besides the actor and outcome. */
export type AuditExtra = Omit<
  AuditEntry,
  'action' | 'command' | 'target' | 'reason' | 'requestId' | 'cluster' | 'threadLink' | 'channel'
> & { channel?: string; command?: string };

/** How one kind of request is stored: its table, its audit action and how its rows read. */
export interface ApprovalTable<R extends ApprovalRequest> {
  /** A constant SQL identifier, never user input. */
  table: string;
  /** The audit trail's `action` for every step of such a request (restart, vault-migrate). */
  action: string;
  fromRow(row: Record<string, unknown>): R;
  /** The columns of what a request acts on, as in its `_one_open` index: one open request per value. */
  actsOn: readonly string[];
  /**
   * The audit columns that describe the request: its canonical command line, target, reason, cluster. From
   * columns set at creation only: a later step's row copies them from the `requested` row (changeState).
   */
  describe(request: R): Pick<AuditEntry, 'command' | 'target' | 'reason' | 'cluster'>;
}

/** A row's optional column, undefined for NULL. */
export const optional = <T>(value: unknown): T | undefined =>
  value === null || value === undefined ? undefined : (value as T);

/** The common columns of a row, as an ApprovalRequest. */
export function approvalFromRow(row: Record<string, unknown>): ApprovalRequest {
  const request: ApprovalRequest = {
    id: String(row.id),
    originJob: String(row.origin_job),
    createdAt: row.created_at as Date,
    expiresAt: row.expires_at as Date,
    requestedBy: String(row.requested_by),
    channel: String(row.channel),
    threadTs: String(row.thread_ts),
    statusTs: String(row.status_ts),
    approvalsRequired: Number(row.approvals_required),
    approvedBy: (row.approved_by as string[]) ?? [],
    state: row.state as ApprovalState,
  };
  const fields: [keyof ApprovalRequest, unknown][] = [
    ['planTs', row.plan_ts],
    ['decidedBy', row.decided_by],
    ['decidedAt', row.decided_at],
    ['startedAt', row.started_at],
    ['finishedAt', row.finished_at],
    ['jobId', row.job_id],
    ['result', row.result],
  ];
  for (const [key, value] of fields)
    if (optional(value) !== undefined) (request as unknown as Record<string, unknown>)[key] = value;
  return request;
}

/** A link to the Slack thread; Slack redirects it to the workspace that holds the channel. */
export function threadLink(channel: string, ts: string): string {
  return `https://slack.com/archives/${channel}/p${ts.replace('.', '')}`;
}

const COLUMN = /^[a-z_]+$/;

/** A request's `failed` audit row, given SQL expressions for the request id and the kind's audit action. */
const failedRow = (id: string, action: string) =>
  `SELECT 1 FROM audit_log WHERE request_id = ${id} AND action = ${action} AND outcome = 'failed'`;

/**
 * Requests of one kind from "asked" to "done". Every change of state is one conditional UPDATE
 * (… WHERE state = 'pending' … RETURNING) in the same transaction or statement as its audit row: two clicks, two
 * workers or two bots can race, exactly one wins, and no state changes without its audit row.
 */
export class ApprovalRequests<R extends ApprovalRequest> {
  constructor(
    protected readonly pool: Pool,
    protected readonly audit: AuditLog,
    readonly kind: ApprovalTable<R>,
  ) {}

  get action(): string {
    return this.kind.action;
  }

  /**
   * Whether `error` is an INSERT refused by this kind's one-open-request index (`<table>_one_open`, see
   * approvalIndexes): another request holds what this one acts on.
   */
  private heldByAnother(error: unknown): boolean {
    const { code, constraint } = error as { code?: string; constraint?: string };
    return code === '23505' && constraint === `${this.kind.table}_one_open`;
  }

  /** The open request that acts on the same thing as `columns` (the `_one_open` index's columns). */
  private async openFor(columns: Record<string, unknown>): Promise<R | undefined> {
    const where = this.kind.actsOn.map((name, i) => `${name} = $${i + 1}`).join(' AND ');
    const values = this.kind.actsOn.map((name) => columns[name] ?? null);
    const { rows } = await this.pool.query(
      `SELECT * FROM ${this.kind.table} WHERE ${where} AND state = ANY($${values.length + 1})`,
      [...values, OPEN_STATES],
    );
    return rows[0] === undefined ? undefined : this.kind.fromRow(rows[0]);
  }

  /** The audit row for a step of `request`. */
  auditEntry(request: R, extra: AuditExtra): AuditEntry {
    return {
      action: this.kind.action,
      ...this.kind.describe(request),
      requestId: request.id,
      channel: request.channel,
      threadLink: threadLink(request.channel, request.threadTs),
      ...extra,
    };
  }

  /**
   * Creates the request with its `requested` audit row (and `approved`, when none is needed), and what
   * `alsoInsert` stores with it (a kind's own rows, e.g. a migration's keys), in one transaction. A retried
   * planning job gets the request it made before (`created: false`; `alsoInsert` runs again, so it must be
   * idempotent); a target already held by another open request throws RequestBusy.
   */
  protected async insert(
    input: NewApproval,
    columns: Record<string, unknown>,
    jobId: string,
    alsoInsert?: (request: R, client: Queryable) => Promise<void>,
  ): Promise<{ request: R; created: boolean }> {
    try {
      return await this.insertOnce(input, columns, jobId, alsoInsert);
    } catch (error) {
      if (this.heldByAnother(error)) {
        const holder = await this.openFor(columns);
        if (holder !== undefined) throw new RequestBusy(holder);
      }
      throw error;
    }
  }

  /**
   * ON CONFLICT (origin_job) finds a retried job's request: PostgreSQL checks that index before inserting, so
   * the `_one_open` index, which the request also fills, does not refuse the retry.
   */
  private async insertOnce(
    input: NewApproval,
    columns: Record<string, unknown>,
    jobId: string,
    alsoInsert?: (request: R, client: Queryable) => Promise<void>,
  ): Promise<{ request: R; created: boolean }> {
    const names = Object.keys(columns);
    if (names.some((name) => !COLUMN.test(name))) throw new Error(`invalid column name in ${names.join(',')}`);
    const common = [
      input.id,
      input.originJob,
      input.expiresAt,
      input.requestedBy,
      input.channel,
      input.threadTs,
      input.statusTs,
      input.approvalsRequired,
    ];
    const values = [...common, ...names.map((name) => columns[name] ?? null)];
    const placeholders = values.map((_, i) => `$${i + 1}`);
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query(
        `INSERT INTO ${this.kind.table}
           (id, origin_job, expires_at, requested_by, channel, thread_ts, status_ts, approvals_required,
            ${names.join(', ')}, state)
         VALUES (${placeholders.join(', ')}, CASE WHEN $8::integer = 0 THEN 'approved' ELSE 'pending' END)
         ON CONFLICT (origin_job) DO NOTHING
         RETURNING *`,
        values,
      );
      if (rows[0] === undefined) {
        const request = (await this.byOriginJob(input.originJob, client))!;
        await alsoInsert?.(request, client);
        return { request, created: false };
      }
      const request = this.kind.fromRow(rows[0]);
      const entries = [
        this.auditEntry(request, {
          actor: request.requestedBy,
          outcome: 'requested',
          jobId,
          detail: `needs ${request.approvalsRequired} approval(s) by ${request.expiresAt.toISOString()}`,
        }),
      ];
      if (request.state === 'approved')
        entries.push(
          this.auditEntry(request, {
            actor: request.requestedBy,
            outcome: 'approved',
            jobId,
            detail: 'the policy requires no approval for this command',
          }),
        );
      await this.audit.recordAll(entries, client);
      await alsoInsert?.(request, client);
      return { request, created: true };
    });
  }

  /** How many requests of this kind are in each state (for the metrics: pending, approved, expired, …). */
  async countByState(): Promise<{ state: ApprovalState; count: number }[]> {
    const { rows } = await this.pool.query<{ state: ApprovalState; count: string }>(
      `SELECT state, count(*) AS count FROM ${this.kind.table} GROUP BY state`,
    );
    return rows.map((row) => ({ state: row.state, count: Number(row.count) }));
  }

  async get(id: string): Promise<R | undefined> {
    const { rows } = await this.pool.query(`SELECT * FROM ${this.kind.table} WHERE id = $1`, [id]);
    return rows[0] === undefined ? undefined : this.kind.fromRow(rows[0]);
  }

  protected async byOriginJob(originJob: string, db: Queryable = this.pool): Promise<R | undefined> {
    const { rows } = await db.query(`SELECT * FROM ${this.kind.table} WHERE origin_job = $1`, [originJob]);
    return rows[0] === undefined ? undefined : this.kind.fromRow(rows[0]);
  }

  async setPlanMessage(id: string, planTs: string): Promise<void> {
    await this.pool.query(`UPDATE ${this.kind.table} SET plan_ts = $2 WHERE id = $1`, [id, planTs]);
  }

  async setJob(id: string, jobId: string): Promise<void> {
    await this.pool.query(`UPDATE ${this.kind.table} SET job_id = $2 WHERE id = $1`, [id, jobId]);
  }

  /**
   * One approval by `user`: counts only while pending and unexpired, never from the requester, never
   * twice from one person. Reaching the required count moves the request to `approved`. Returns the
   * updated request, or undefined when the approval did not count (ask `approvalRefusal` why).
   */
  async approve(id: string, user: string, channel: string): Promise<R | undefined> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query(
        `UPDATE ${this.kind.table}
            SET approved_by = array_append(approved_by, $2::text),
                state = CASE WHEN cardinality(approved_by) + 1 >= approvals_required THEN 'approved' ELSE 'pending' END,
                decided_by = CASE WHEN cardinality(approved_by) + 1 >= approvals_required THEN $2 ELSE decided_by END,
                decided_at = CASE WHEN cardinality(approved_by) + 1 >= approvals_required THEN now() ELSE decided_at END
          WHERE id = $1 AND state = 'pending' AND expires_at > now()
            AND requested_by <> $2 AND NOT ($2 = ANY(approved_by))
          RETURNING *`,
        [id, user],
      );
      if (rows[0] === undefined) return undefined;
      const request = this.kind.fromRow(rows[0]);
      const count = `${request.approvedBy.length} of ${request.approvalsRequired}`;
      await this.audit.record(
        this.auditEntry(request, {
          actor: user,
          channel,
          approver: user,
          command: `approve ${id}`,
          outcome: 'approved',
          detail: `approval ${count}`,
        }),
        client,
      );
      return request;
    });
  }

  /** `deny`: only while pending; `asApprover` false limits it to the requester cancelling their own. */
  async reject(
    id: string,
    user: string,
    channel: string,
    asApprover: boolean,
    reason: string | undefined,
  ): Promise<R | undefined> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query(
        `UPDATE ${this.kind.table}
          SET state = 'rejected', decided_by = $2, decided_at = now(), finished_at = now(), result = $4
          WHERE id = $1 AND state = 'pending' AND (requested_by = $2 OR $3::boolean)
          RETURNING *`,
        [id, user, asApprover, reason ?? null],
      );
      if (rows[0] === undefined) return undefined;
      const request = this.kind.fromRow(rows[0]);
      const detail =
        (user === request.requestedBy ? 'cancelled by the requester' : 'denied') + (reason ? `: ${reason}` : '');
      await this.audit.record(
        this.auditEntry(request, {
          actor: user,
          channel,
          approver: user,
          command: `deny ${id}`,
          outcome: 'rejected',
          detail,
        }),
        client,
      );
      return request;
    });
  }

  /** Expires pending requests past their time (all, or one), each with its `expired` audit row. */
  async expireDue(id?: string): Promise<R[]> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query(
        `UPDATE ${this.kind.table} SET state = 'expired', finished_at = now()
          WHERE state = 'pending' AND expires_at <= now() AND ($1::text IS NULL OR id = $1)
          RETURNING *`,
        [id ?? null],
      );
      const expired = rows.map((row) => this.kind.fromRow(row));
      for (const request of expired) {
        const detail =
          `not approved within the time allowed (${request.approvedBy.length} ` +
          `of ${request.approvalsRequired} approvals)`;
        await this.audit.record(
          this.auditEntry(request, { actor: request.requestedBy, outcome: 'expired', detail }),
          client,
        );
      }
      return expired;
    });
  }

  /**
   * What there may be to settle, in one read-only statement (every planning job and the sweep run it, and
   * mostly find nothing): failed requests that lack their `failed` audit row (`fail` could not write it),
   * whether pending ones are past their time, and the ones that may be stuck: `approved` for more than
   * `approvedForSec` seconds (their follow-up job should have started them by now) and every `running` one.
   * It takes no lock: each step that acts on what it found is conditional or locks the request itself
   * (recordLateFailure, expireDue, finish), so two sweeps at once still act once.
   */
  async toSettle(approvedForSec: number): Promise<{ unaudited: string[]; due: boolean; stuck: R[] }> {
    const { rows } = await this.pool.query(
      `SELECT * FROM ${this.kind.table} r
        WHERE (r.state = 'failed' AND NOT EXISTS (${failedRow('r.id', '$2')}))
           OR (r.state = 'pending' AND r.expires_at <= now())
           OR (r.state = 'approved' AND COALESCE(r.decided_at, r.created_at) <= now() - make_interval(secs => $1))
           OR r.state = 'running'
        ORDER BY r.finished_at NULLS LAST, r.created_at`,
      [approvedForSec, this.kind.action],
    );
    const found = rows.map((row) => this.kind.fromRow(row));
    return {
      unaudited: found.filter((r) => r.state === 'failed').map((r) => r.id),
      due: found.some((r) => r.state === 'pending'),
      stuck: found.filter((r) => r.state === 'approved' || r.state === 'running'),
    };
  }

  /**
   * approved → running, with the `started` audit row in the same transaction and `set` (the kind's own
   * columns, e.g. what is about to be sent) recorded BEFORE the world is changed: if the audit cannot be
   * written, nothing is recorded and the caller must not act. Undefined when the request was not
   * `approved` (another worker started it).
   */
  protected async begin(
    id: string,
    jobId: string,
    detail: string,
    set: Record<string, unknown> = {},
  ): Promise<R | undefined> {
    const names = Object.keys(set);
    if (names.some((name) => !COLUMN.test(name))) throw new Error(`invalid column name in ${names.join(',')}`);
    const assignments = names.map((name, i) => `, ${name} = $${i + 3}`).join('');
    const update = `UPDATE ${this.kind.table} SET state = 'running', started_at = now(), job_id = $2${assignments}
          WHERE id = $1 AND state = 'approved'
          RETURNING *`;
    const params = [id, jobId, ...names.map((name) => set[name])];
    return this.changeState(update, params, { outcome: 'started', jobId, detail });
  }

  /** running|approved → succeeded|failed with its audit row; undefined when another worker finished it first. */
  async finish(id: string, outcome: 'succeeded' | 'failed', result: string, jobId: string): Promise<R | undefined> {
    const update = `UPDATE ${this.kind.table} SET state = $2, finished_at = now(), result = $3
          WHERE id = $1 AND state IN ('approved', 'running')
          RETURNING *`;
    return this.changeState(update, [id, outcome, result], { outcome, jobId, detail: result });
  }

  /**
   * A step of a request run by its job (started, succeeded, failed): `update`, a conditional UPDATE …
   * RETURNING *, and the step's audit row (the requester as actor, the approvers, `step`) land together or
   * not at all. First as one statement, the UPDATE in a data-modifying CTE and the audit row inserted from
   * what it returned: the describing columns (command, target, reason, cluster, thread link) are copied
   * from the request's `requested` row, which `insert` wrote with the request from the same columns
   * (ApprovalTable.describe reads only columns set at creation). When that statement fails for any reason
   * (the audit refuses the row, the `requested` row is missing so the copy's NOT NULL command fails,
   * PostgreSQL is unreachable), nothing of it happened, and the same step runs again as BEGIN, UPDATE,
   * INSERT, COMMIT, which tells an audit that refuses (AuditUnavailable) from any other error, as callers
   * need. One round trip instead of four on the usual path.
   */
  private async changeState(
    update: string,
    params: unknown[],
    step: { outcome: 'started' | 'succeeded' | 'failed'; jobId: string; detail: string },
  ): Promise<R | undefined> {
    const n = params.length;
    const [action, outcome, detail, job] = [n + 1, n + 2, n + 3, n + 4].map((i) => `$${i}::text`);
    try {
      const { rows } = await this.pool.query(
        `WITH r AS (${update}),
         audited AS (
           INSERT INTO audit_log (${AUDIT_COLUMNS.join(', ')})
           SELECT r.requested_by, r.channel, ${action}, asked.command, asked.target, asked.reason,
                  NULLIF(array_to_string(r.approved_by, ','), ''), ${outcome}, ${detail}, r.id, ${job},
                  asked.thread_link, asked.cluster
             FROM r LEFT JOIN LATERAL (
               SELECT a.command, a.target, a.reason, a.thread_link, a.cluster FROM audit_log a
                WHERE a.request_id = r.id AND a.action = ${action} AND a.outcome = 'requested'
                ORDER BY a.id LIMIT 1) asked ON true)
         SELECT * FROM r`,
        [...params, this.kind.action, step.outcome, step.detail, step.jobId],
      );
      return rows[0] === undefined ? undefined : this.kind.fromRow(rows[0]);
    } catch {
      return this.changeStateInTransaction(update, params, step);
    }
  }

  private async changeStateInTransaction(
    update: string,
    params: unknown[],
    step: { outcome: 'started' | 'succeeded' | 'failed'; jobId: string; detail: string },
  ): Promise<R | undefined> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query(update, params);
      if (rows[0] === undefined) return undefined;
      const request = this.kind.fromRow(rows[0]);
      const approver = request.approvedBy.join(',') || undefined;
      await this.audit.record(
        this.auditEntry(request, {
          actor: request.requestedBy,
          ...(approver ? { approver } : {}),
          ...step,
        }),
        client,
      );
      return request;
    });
  }

  /**
   * running|approved → failed, with its `failed` audit row in the same transaction (`finish`). When the
   * audit refuses the row the request ends all the same, so it does not hold its target for nothing, and
   * `audited` is false: `recordLateFailure` writes the row once the audit takes writes again. `request`
   * is undefined when another worker finished it first.
   */
  async fail(id: string, result: string, jobId: string): Promise<{ request: R | undefined; audited: boolean }> {
    try {
      return { request: await this.finish(id, 'failed', result, jobId), audited: true };
    } catch (error) {
      if (!(error instanceof AuditUnavailable)) throw error;
    }
    const { rows } = await this.pool.query(
      `UPDATE ${this.kind.table} SET state = 'failed', finished_at = now(), result = $2
        WHERE id = $1 AND state IN ('approved', 'running')
        RETURNING *`,
      [id, result],
    );
    return { request: rows[0] === undefined ? undefined : this.kind.fromRow(rows[0]), audited: false };
  }

  /** The failed requests whose `failed` audit row is missing (`fail` could not write it), oldest first. */
  async unaudited(): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT r.id FROM ${this.kind.table} r
        WHERE r.state = 'failed' AND NOT EXISTS (${failedRow('r.id', '$1')})
        ORDER BY r.finished_at`,
      [this.kind.action],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Writes the missing `failed` row of a failed request, dated now and saying when it failed; false when
   * it has one already (another process wrote it). Throws AuditUnavailable while the audit refuses it.
   */
  async recordLateFailure(id: string): Promise<boolean> {
    return withTransaction(this.pool, async (client) => {
      // The request's lock first, then a fresh look at the audit: two sweeps at once write one row.
      const { rows } = await client.query(
        `SELECT * FROM ${this.kind.table} WHERE id = $1 AND state = 'failed' FOR UPDATE`,
        [id],
      );
      if (rows[0] === undefined) return false;
      if ((await client.query(failedRow('$1', '$2'), [id, this.kind.action])).rowCount) return false;
      const request = this.kind.fromRow(rows[0]);
      const approver = request.approvedBy.join(',') || undefined;
      const when = request.finishedAt?.toISOString() ?? 'an unknown time';
      await this.audit.record(
        this.auditEntry(request, {
          actor: request.requestedBy,
          ...(approver ? { approver } : {}),
          outcome: 'failed',
          ...(request.jobId ? { jobId: request.jobId } : {}),
          detail: `${request.result ?? 'failed'} (recorded late: it failed at ${when}, when the audit trail could not be written)`,
        }),
        client,
      );
      return true;
    });
  }
}

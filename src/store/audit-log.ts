import type { Pool } from '../integrations/postgres.js';
import { NO_METRICS, type Metrics } from '../contracts/metrics.js';
import type { Queryable } from './transaction.js';

export const AUDIT_OUTCOMES = [
  'denied',
  'refused',
  'requested',
  'approved',
  'rejected',
  'expired',
  'started',
  'succeeded',
  'failed',
] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** One attempt or step. Slack IDs only; never a token, never the raw command text. */
export interface AuditEntry {
  actor: string;
  channel?: string;
  action: string;
  command: string;
  target?: string;
  reason?: string;
  approver?: string;
  outcome: AuditOutcome;
  detail?: string;
  requestId?: string;
  jobId?: string;
  threadLink?: string;
  cluster?: string;
}

export interface AuditRow extends AuditEntry {
  id: string;
  at: Date;
}

export interface AuditFilter {
  since: Date;
  until?: Date;
  user?: string;
  action?: string;
  target?: string;
  cluster?: string;
  outcomes?: readonly AuditOutcome[];
}

/** The audit could not be written: a command that changes the cluster must then not run. */
export class AuditUnavailable extends Error {
  override readonly name = 'AuditUnavailable';
}

/** The columns an entry fills; `id` and `at` always come from their defaults (the bot may INSERT only these). */
export const AUDIT_COLUMNS = [
  'actor',
  'channel',
  'action',
  'command',
  'target',
  'reason',
  'approver',
  'outcome',
  'detail',
  'request_id',
  'job_id',
  'thread_link',
  'cluster',
] as const;

/**
 * The append-only audit trail: the bot's role may only INSERT (these columns) and SELECT it
 * (store/privileges.ts), and a trigger refuses UPDATE, DELETE and TRUNCATE even to its owner (migration 3).
 */
export class AuditLog {
  constructor(
    private readonly pool: Pool,
    /** Counts the rows that could not be written (carbon_audit_write_failures_total). */
    private readonly metrics: Metrics = NO_METRICS,
  ) {}

  /**
   * Appends one row, on `db` when it is part of a transaction. Any failure is an AuditUnavailable,
   * so callers can tell "the audit is down" from their own errors.
   */
  async record(entry: AuditEntry, db: Queryable = this.pool): Promise<AuditRow> {
    return (await this.recordAll([entry], db))[0]!;
  }

  /** Appends several rows in one statement, in order (all or none), as `record`. */
  async recordAll(entries: readonly AuditEntry[], db: Queryable = this.pool): Promise<AuditRow[]> {
    const values = entries.flatMap((entry) => [
      entry.actor,
      entry.channel ?? null,
      entry.action,
      entry.command,
      entry.target ?? null,
      entry.reason ?? null,
      entry.approver ?? null,
      entry.outcome,
      entry.detail ?? null,
      entry.requestId ?? null,
      entry.jobId ?? null,
      entry.threadLink ?? null,
      entry.cluster ?? null,
    ]);
    const n = AUDIT_COLUMNS.length;
    const rows = entries.map((_, row) => `(${AUDIT_COLUMNS.map((_, i) => `$${row * n + i + 1}`).join(', ')})`);
    try {
      const { rows: written } = await db.query(
        `INSERT INTO audit_log (${AUDIT_COLUMNS.join(', ')}) VALUES ${rows.join(', ')} RETURNING *`,
        values,
      );
      return (written as Record<string, unknown>[]).map(toRow).sort((a, b) => Number(a.id) - Number(b.id));
    } catch (error) {
      this.metrics.auditWriteFailed();
      throw new AuditUnavailable(`The audit trail cannot be written: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Newest first, at most `limit`. */
  async list(filter: AuditFilter, limit: number): Promise<AuditRow[]> {
    const { where, params } = conditions(filter);
    const { rows } = await this.pool.query(
      `SELECT * FROM audit_log WHERE ${where} ORDER BY at DESC, id DESC LIMIT $${params.length + 1}`,
      [...params, limit],
    );
    return rows.map(toRow);
  }

  /** Oldest first, in pages (keyset on id), so an export of any size holds one page in memory. */
  async *stream(filter: AuditFilter, pageSize = 500): AsyncGenerator<AuditRow> {
    let after = '0';
    for (;;) {
      const { where, params } = conditions(filter);
      const { rows } = await this.pool.query(
        `SELECT * FROM audit_log WHERE ${where} AND id > $${params.length + 1} ORDER BY id LIMIT $${params.length + 2}`,
        [...params, after, pageSize],
      );
      for (const row of rows) yield toRow(row);
      if (rows.length < pageSize) return;
      after = String((rows.at(-1) as { id: string }).id);
    }
  }
}

function conditions(filter: AuditFilter): { where: string; params: unknown[] } {
  const parts = ['at >= $1'];
  const params: unknown[] = [filter.since];
  const add = (sql: (n: number) => string, value: unknown) => {
    params.push(value);
    parts.push(sql(params.length));
  };
  if (filter.until !== undefined) add((n) => `at < $${n}`, filter.until);
  if (filter.user !== undefined) add((n) => `(actor = $${n} OR approver = $${n})`, filter.user);
  if (filter.action !== undefined) add((n) => `action = $${n}`, filter.action);
  if (filter.target !== undefined) add((n) => `target = $${n}`, filter.target);
  if (filter.cluster !== undefined) add((n) => `cluster = $${n}`, filter.cluster);
  if (filter.outcomes !== undefined) add((n) => `outcome = ANY($${n})`, filter.outcomes);
  return { where: parts.join(' AND '), params };
}

function toRow(row: Record<string, unknown>): AuditRow {
  const optional = (column: string) =>
    row[column] === null || row[column] === undefined ? undefined : String(row[column]);
  const entry: AuditRow = {
    id: String(row.id),
    at: row.at as Date,
    actor: String(row.actor),
    action: String(row.action),
    command: String(row.command),
    outcome: row.outcome as AuditOutcome,
  };
  const fields: [keyof AuditEntry, string][] = [
    ['channel', 'channel'],
    ['target', 'target'],
    ['reason', 'reason'],
    ['approver', 'approver'],
    ['detail', 'detail'],
    ['requestId', 'request_id'],
    ['jobId', 'job_id'],
    ['threadLink', 'thread_link'],
    ['cluster', 'cluster'],
  ];
  for (const [key, column] of fields) {
    const value = optional(column);
    if (value !== undefined) (entry as unknown as Record<string, string>)[key] = value;
  }
  return entry;
}

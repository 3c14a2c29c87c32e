import type { Pool } from '../../integrations/postgres.js';

export interface CoverageSnapshot {
  id: string;
  takenAt: Date;
  cluster: string;
  inVault: number;
  total: number;
  jobId: string | null;
}

/** Vault coverage figures as they were measured, so a handoff can say where its period started. */
export class CoverageSnapshots {
  constructor(private readonly pool: Pool) {}

  async insert(input: { cluster: string; at: Date; inVault: number; total: number; jobId?: string }): Promise<string> {
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO vault_coverage_snapshots (taken_at, cluster, in_vault, total, job_id)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [input.at, input.cluster, input.inVault, input.total, input.jobId ?? null],
    );
    return rows[0]!.id;
  }

  /** The first snapshot at or after `since` (and at or before `until` when given). */
  async firstFrom(cluster: string, since: Date, until?: Date): Promise<CoverageSnapshot | undefined> {
    const { rows } = await this.pool.query(
      `SELECT * FROM vault_coverage_snapshots
        WHERE cluster = $1 AND taken_at >= $2 AND ($3::timestamptz IS NULL OR taken_at <= $3)
        ORDER BY taken_at, id LIMIT 1`,
      [cluster, since, until ?? null],
    );
    return rows[0] === undefined ? undefined : toSnapshot(rows[0] as Record<string, unknown>);
  }
}

function toSnapshot(row: Record<string, unknown>): CoverageSnapshot {
  return {
    id: String(row.id),
    takenAt: row.taken_at as Date,
    cluster: String(row.cluster),
    inVault: Number(row.in_vault),
    total: Number(row.total),
    jobId: (row.job_id as string | null) ?? null,
  };
}

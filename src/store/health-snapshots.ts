import type { HealthReport } from '../health/measure.js';
import type { Pool } from '../integrations/postgres.js';

export interface SnapshotSummary {
  id: string;
  takenAt: Date;
  healthPct: number | null;
  podsReady: number;
  podsCounted: number;
}

/** Every health report is kept, so trends, daily posts and handoffs cite measurements, not memory. */
export class HealthSnapshots {
  constructor(private readonly pool: Pool) {}

  async insert(report: HealthReport, jobId: string | undefined): Promise<string> {
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO health_snapshots
         (taken_at, cluster, simulated, namespace, pods_total, pods_succeeded, pods_ready, health_pct, services, problems, namespaces, job_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [
        report.takenAt,
        report.cluster.name,
        report.cluster.simulated,
        report.namespace ?? null,
        report.pods.total,
        report.pods.succeeded,
        report.pods.ready,
        report.healthPct,
        JSON.stringify(report.services),
        JSON.stringify(report.problems.map(({ pods: _pods, ...group }) => group)),
        JSON.stringify(report.namespaces),
        jobId ?? null,
      ],
    );
    return rows[0]!.id;
  }

  /** The latest snapshot of the same cluster and scope taken before `before`. */
  async previous(cluster: string, namespace: string | undefined, before: Date): Promise<SnapshotSummary | undefined> {
    const { rows } = await this.pool.query(
      `SELECT id, taken_at, health_pct, pods_ready, pods_total - pods_succeeded AS pods_counted
         FROM health_snapshots
        WHERE cluster = $1 AND namespace IS NOT DISTINCT FROM $2 AND taken_at < $3
        ORDER BY taken_at DESC LIMIT 1`,
      [cluster, namespace ?? null, before],
    );
    const row = rows[0];
    return row === undefined ? undefined : toSummary(row);
  }
}

function toSummary(row: Record<string, unknown>): SnapshotSummary {
  return {
    id: String(row.id),
    takenAt: row.taken_at as Date,
    healthPct: row.health_pct === null ? null : Number(row.health_pct),
    podsReady: Number(row.pods_ready),
    podsCounted: Number(row.pods_counted),
  };
}

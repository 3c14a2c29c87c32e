import type { HealthReport, NamespaceHealth, ServiceState } from './measure.js';
import type { Pool } from '../../integrations/postgres.js';
import type { DataCheck } from './data-services/check.js';

export interface SnapshotSummary {
  id: string;
  takenAt: Date;
  healthPct: number | null;
  podsReady: number;
  podsCounted: number;
}

/** A stored cluster-wide snapshot, as handoffs and status posts cite it. */
export interface StoredSnapshot extends SnapshotSummary {
  cluster: string;
  simulated: boolean;
  podsTotal: number;
  podsSucceeded: number;
  services: ServiceState[];
  /** Problem reasons with counts (the pods themselves are not stored). */
  problems: { reason: string; count: number; restarts: number }[];
  namespaces: NamespaceHealth[];
  /** The Data services checks; absent for a snapshot taken without them (or before they existed). */
  dataServices?: DataCheck[];
  jobId: string | null;
}

/** Every health report is kept, so trends, daily posts and handoffs cite measurements, not memory. */
export class HealthSnapshots {
  constructor(private readonly pool: Pool) {}

  async insert(report: HealthReport, jobId: string | undefined): Promise<string> {
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO health_snapshots
         (taken_at, cluster, simulated, namespace, pods_total, pods_succeeded, pods_ready, health_pct, services,
          problems, namespaces, job_id, data_services)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
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
        report.dataServices === undefined ? null : JSON.stringify(report.dataServices),
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

  /** One snapshot by id, of `cluster` when given. */
  async byId(id: string, cluster?: string): Promise<StoredSnapshot | undefined> {
    const { rows } = await this.pool.query(`${STORED} WHERE id = $1 AND ($2::text IS NULL OR cluster = $2)`, [
      id,
      cluster ?? null,
    ]);
    return rows[0] === undefined ? undefined : toStored(rows[0] as Record<string, unknown>);
  }

  /** The first cluster-wide snapshot taken at or after `since` (and before `until` when given). */
  async firstFrom(cluster: string, since: Date, until?: Date): Promise<StoredSnapshot | undefined> {
    const { rows } = await this.pool.query(
      `${STORED} WHERE cluster = $1 AND namespace IS NULL
        AND taken_at >= $2 AND ($3::timestamptz IS NULL OR taken_at <= $3)
        ORDER BY taken_at, id LIMIT 1`,
      [cluster, since, until ?? null],
    );
    return rows[0] === undefined ? undefined : toStored(rows[0] as Record<string, unknown>);
  }

  /** The latest cluster-wide snapshot (taken at or before `until` when given). */
  async latest(cluster: string, until?: Date): Promise<StoredSnapshot | undefined> {
    const { rows } = await this.pool.query(
      `${STORED} WHERE cluster = $1 AND namespace IS NULL AND ($2::timestamptz IS NULL OR taken_at <= $2)
        ORDER BY taken_at DESC, id DESC LIMIT 1`,
      [cluster, until ?? null],
    );
    return rows[0] === undefined ? undefined : toStored(rows[0] as Record<string, unknown>);
  }

  /** Cluster-wide health since `since`, oldest first, at most the latest `limit` points: the trend chart's data. */
  async trend(cluster: string, since: Date, limit = 500): Promise<SnapshotSummary[]> {
    const { rows } = await this.pool.query(
      `SELECT id, taken_at, health_pct, pods_ready, pods_total - pods_succeeded AS pods_counted FROM health_snapshots
        WHERE cluster = $1 AND namespace IS NULL AND taken_at >= $2 ORDER BY taken_at DESC, id DESC LIMIT $3`,
      [cluster, since, limit],
    );
    return rows.map(toSummary).reverse();
  }
}

const STORED = `SELECT id, taken_at, cluster, simulated, health_pct, pods_total, pods_succeeded, pods_ready,
  pods_total - pods_succeeded AS pods_counted, services, problems, namespaces, job_id, data_services
  FROM health_snapshots`;

function toStored(row: Record<string, unknown>): StoredSnapshot {
  return {
    ...toSummary(row),
    cluster: String(row.cluster),
    simulated: Boolean(row.simulated),
    podsTotal: Number(row.pods_total),
    podsSucceeded: Number(row.pods_succeeded),
    services: row.services as ServiceState[],
    problems: row.problems as StoredSnapshot['problems'],
    namespaces: row.namespaces as NamespaceHealth[],
    ...(row.data_services ? { dataServices: row.data_services as DataCheck[] } : {}),
    jobId: (row.job_id as string | null) ?? null,
  };
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

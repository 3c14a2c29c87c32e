/**
 * Versioned schema migrations, applied in order on start under an advisory lock (many workers may
 * start at once). Never edit a released migration: add the next one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'health snapshots',
    sql: `
      CREATE TABLE health_snapshots (
        id            bigserial PRIMARY KEY,
        taken_at      timestamptz NOT NULL DEFAULT now(),
        cluster       text NOT NULL,
        simulated     boolean NOT NULL,
        namespace     text,
        pods_total    integer NOT NULL,
        pods_succeeded integer NOT NULL,
        pods_ready    integer NOT NULL,
        health_pct    numeric(5,1),
        services      jsonb NOT NULL,
        problems      jsonb NOT NULL,
        namespaces    jsonb NOT NULL,
        job_id        text
      );
      CREATE INDEX health_snapshots_cluster_time ON health_snapshots (cluster, taken_at DESC);
    `,
  },
];

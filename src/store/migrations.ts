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
  {
    version: 2,
    name: 'benchmark runs',
    sql: `
      CREATE TABLE benchmark_runs (
        id             bigserial PRIMARY KEY,
        kind           text NOT NULL,              -- 'kafka-producer'
        started_at     timestamptz NOT NULL,
        finished_at    timestamptz NOT NULL,
        cluster        text NOT NULL,
        brokers        text[] NOT NULL,
        params         jsonb NOT NULL,             -- records, recordSize, throughput, acks, partitions
        params_key     text NOT NULL,              -- the parameters that make two runs comparable
        records        bigint NOT NULL,
        records_per_sec double precision NOT NULL,
        mb_per_sec     double precision NOT NULL,
        avg_latency_ms double precision NOT NULL,
        max_latency_ms double precision NOT NULL,
        p50_ms         double precision NOT NULL,
        p95_ms         double precision NOT NULL,
        p99_ms         double precision NOT NULL,
        p999_ms        double precision NOT NULL,
        histogram      jsonb NOT NULL,
        job_id         text,
        requested_by   text NOT NULL
      );
      CREATE INDEX benchmark_runs_kind_key_time ON benchmark_runs (kind, params_key, started_at DESC);
    `,
  },
];

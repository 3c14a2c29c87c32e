import type { KafkaBenchParams } from '../../contracts/commands.js';
import type { Pool } from '../../integrations/postgres.js';
import type { BenchResult } from '../../integrations/kafka-bench/producer-benchmark.js';
import type { TotalStats } from '../../integrations/kafka-bench/stats.js';

/**
 * A stored run: the figures of its TotalStats that benchmark_runs keeps (a column each; a new run's are
 * compared with these), and when, where and by whom it ran.
 */
export interface StoredRun extends Pick<
  TotalStats,
  'records' | 'recordsPerSec' | 'mbPerSec' | 'avgLatencyMs' | 'maxLatencyMs' | 'p50' | 'p95' | 'p99' | 'p999'
> {
  id: string;
  startedAt: Date;
  /** The configured Kafka cluster's name; absent for runs from before clusters were named. */
  kafkaCluster?: string;
  brokers: string[];
  params: KafkaBenchParams;
  requestedBy: string;
  jobId: string | null;
}

const KIND = 'kafka-producer';

/** Two runs compare when everything but the time is the same: parameters and the brokers they ran on. */
export function paramsKey(params: KafkaBenchParams, brokers: readonly string[]): string {
  const { records, recordSize, throughput, acks, partitions } = params;
  return JSON.stringify({ records, recordSize, throughput, acks, partitions, brokers: [...brokers].sort() });
}

/**
 * What a run must have been to be compared with the platform's recorded baseline (Phase 4 report):
 * 1 KiB records, acks=all, unthrottled. The record count and partitions only change how long it runs.
 */
export const BASELINE_PARAMS = { recordSize: 1024, acks: -1, throughput: -1 } as const;

/** How the baseline parameters read in a sentence. */
export const BASELINE_WORDS = '1 KiB records, acks=all, unthrottled';

/** Benchmark results, kept so anyone can see how a figure came about and how it moved. */
export class Benchmarks {
  constructor(private readonly pool: Pool) {}

  async insert(run: {
    startedAt: Date;
    finishedAt: Date;
    cluster: string;
    kafkaCluster: string;
    brokers: string[];
    params: KafkaBenchParams;
    result: BenchResult;
    jobId: string;
    requestedBy: string;
  }): Promise<string> {
    const r = run.result;
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO benchmark_runs (kind, started_at, finished_at, cluster, brokers, params, params_key, records,
         records_per_sec, mb_per_sec, avg_latency_ms, max_latency_ms, p50_ms, p95_ms, p99_ms, p999_ms, histogram,
         job_id, requested_by, kafka_cluster)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20) RETURNING id`,
      [
        KIND,
        run.startedAt,
        run.finishedAt,
        run.cluster,
        run.brokers,
        JSON.stringify(run.params),
        paramsKey(run.params, run.brokers),
        r.records,
        r.recordsPerSec,
        r.mbPerSec,
        r.avgLatencyMs,
        r.maxLatencyMs,
        r.p50,
        r.p95,
        r.p99,
        r.p999,
        JSON.stringify(r.histogram),
        run.jobId,
        run.requestedBy,
        run.kafkaCluster,
      ],
    );
    return rows[0]!.id;
  }

  /** The latest runs with the same parameters, newest first, before `before` when given. */
  async sameParams(
    params: KafkaBenchParams,
    brokers: readonly string[],
    limit: number,
    beforeId?: string,
  ): Promise<StoredRun[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM benchmark_runs WHERE kind = $1 AND params_key = $2 AND ($3::bigint IS NULL OR id < $3)
        ORDER BY started_at DESC, id DESC LIMIT $4`,
      [KIND, paramsKey(params, brokers), beforeId ?? null, limit],
    );
    return rows.map(toRun);
  }

  /**
   * Runs started in [since, until) (on `cluster` when given), oldest first, at most `limit` (the latest ones when there
   * are more).
   */
  async between(since: Date, until: Date, limit = 200, cluster?: string): Promise<StoredRun[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM benchmark_runs
        WHERE kind = $1 AND started_at >= $2 AND started_at < $3 AND ($5::text IS NULL OR cluster = $5)
        ORDER BY started_at DESC, id DESC LIMIT $4`,
      [KIND, since, until, limit, cluster ?? null],
    );
    return rows.map(toRun).reverse();
  }

  /** The run a job stored, if it stored one (a phase task's `bench kafka` job, found after its queue is gone). */
  async byJob(jobId: string): Promise<StoredRun | undefined> {
    const { rows } = await this.pool.query(
      `SELECT * FROM benchmark_runs WHERE kind = $1 AND job_id = $2 ORDER BY id DESC LIMIT 1`,
      [KIND, jobId],
    );
    return rows[0] === undefined ? undefined : toRun(rows[0]);
  }

  /**
   * The latest run comparable with the baseline: BASELINE_PARAMS, against exactly `brokers` (the
   * configured KAFKA_BROKERS, in any order), on `cluster` when given, started before `until` when given.
   * A throttled run, `--acks 0`, other record sizes or another Kafka never stand in for the baseline.
   */
  async latestBaseline(
    brokers: readonly string[],
    options: { cluster?: string; until?: Date } = {},
  ): Promise<StoredRun | undefined> {
    const { rows } = await this.pool.query(
      `SELECT * FROM benchmark_runs
        WHERE kind = $1 AND (params->>'recordSize')::int = $2 AND (params->>'acks')::int = $3
          AND (params->>'throughput')::int = $4
          AND (SELECT array_agg(b ORDER BY b) FROM unnest(brokers) AS b) = $5::text[]
          AND ($6::text IS NULL OR cluster = $6) AND ($7::timestamptz IS NULL OR started_at < $7)
        ORDER BY started_at DESC, id DESC LIMIT 1`,
      [
        KIND,
        BASELINE_PARAMS.recordSize,
        BASELINE_PARAMS.acks,
        BASELINE_PARAMS.throughput,
        [...brokers].sort(),
        options.cluster ?? null,
        options.until ?? null,
      ],
    );
    return rows[0] === undefined ? undefined : toRun(rows[0]);
  }

  async recent(limit: number): Promise<StoredRun[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM benchmark_runs WHERE kind = $1 ORDER BY started_at DESC, id DESC LIMIT $2`,
      [KIND, limit],
    );
    return rows.map(toRun);
  }

  /**
   * Runs `fn` holding a lock on the Kafka cluster named by `key`, or returns undefined when another
   * benchmark holds it. A session advisory lock: it goes away with the connection if a worker dies.
   */
  async exclusive<T>(key: string, fn: () => Promise<T>): Promise<{ value: T } | undefined> {
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
        `bench:${key}`,
      ]);
      if (!rows[0]?.locked) return undefined;
      try {
        return { value: await fn() };
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`bench:${key}`]);
      }
    } finally {
      client.release();
    }
  }
}

function toRun(row: Record<string, unknown>): StoredRun {
  const num = (k: string) => Number(row[k]);
  return {
    id: String(row.id),
    startedAt: row.started_at as Date,
    ...(typeof row.kafka_cluster === 'string' ? { kafkaCluster: row.kafka_cluster } : {}),
    brokers: row.brokers as string[],
    params: row.params as KafkaBenchParams,
    records: num('records'),
    recordsPerSec: num('records_per_sec'),
    mbPerSec: num('mb_per_sec'),
    avgLatencyMs: num('avg_latency_ms'),
    maxLatencyMs: num('max_latency_ms'),
    p50: num('p50_ms'),
    p95: num('p95_ms'),
    p99: num('p99_ms'),
    p999: num('p999_ms'),
    requestedBy: String(row.requested_by),
    jobId: (row.job_id as string | null) ?? null,
  };
}

import type { Migration } from './migrations/migration.js';
import { PHASE_MIGRATIONS } from './migrations/phases.js';
import { VAULT_MIGRATIONS } from './migrations/vault.js';
import { STATUS_MIGRATIONS } from './migrations/status.js';
import { BENCH_MIGRATIONS } from './migrations/bench.js';
import { INCIDENT_MIGRATIONS, LATER_INCIDENT_MIGRATIONS } from './migrations/incidents.js';
import { HEALTH_MIGRATIONS } from './migrations/health.js';
import { approvalIndexes } from './migrations/approval-tables.js';

/**
 * Versioned schema migrations, applied in order on start under an advisory lock (many workers may
 * start at once). Never edit a released migration: add the next one.
 */
/** audit_log.outcome's values as released in version 3 (its SQL is kept to the byte): one line of SQL. */
const AUDIT_OUTCOMES =
  "('denied', 'refused', 'requested', 'approved', 'rejected', 'expired', 'started', 'succeeded', 'failed')";

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
  {
    version: 3,
    name: 'audit log',
    // Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE for every role, the application's
    // included. One row per attempt or step (asked, denied, approved, started, succeeded, …).
    sql: `
      CREATE TABLE audit_log (
        id           bigserial PRIMARY KEY,
        at           timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor        text NOT NULL,               -- Slack user ID, never a display name
        channel      text,                        -- Slack channel ID
        action       text NOT NULL,               -- the command: restart, approve, deny, health, …
        command      text NOT NULL,               -- canonical command line, built from the parsed command
        target       text,                        -- e.g. data-platform/deployment/trino-coordinator
        reason       text,
        approver     text,                        -- the second person (approve or deny)
        outcome      text NOT NULL CHECK (outcome IN
                       ${AUDIT_OUTCOMES}),
        detail       text,
        request_id   text,
        job_id       text,
        thread_link  text,
        cluster      text
      );
      CREATE INDEX audit_log_at ON audit_log (at DESC);
      CREATE INDEX audit_log_target ON audit_log (target, at DESC) WHERE target IS NOT NULL;
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
    `,
  },
  {
    version: 4,
    name: 'restart requests',
    // A restart from request to end. The partial unique index allows one open request per workload:
    // at most one restart of a workload at a time, across every bot and worker process.
    // The first kind of approval request: its approval columns stand among its own, so it does not use
    // APPROVAL_COLUMNS (later kinds do); the indexes are the shared ones.
    sql: `
      CREATE TABLE restart_requests (
        id                 text PRIMARY KEY,
        origin_job         text NOT NULL UNIQUE,   -- the job that planned it: a retried job finds its request
        created_at         timestamptz NOT NULL DEFAULT now(),
        expires_at         timestamptz NOT NULL,
        cluster            text NOT NULL,
        namespace          text NOT NULL,
        kind               text NOT NULL CHECK (kind IN ('deployment', 'statefulset')),
        name               text NOT NULL,
        service            text,
        reason             text NOT NULL,
        requested_by       text NOT NULL,
        channel            text NOT NULL,
        thread_ts          text NOT NULL,          -- the Slack thread everything is posted in
        status_ts          text NOT NULL,          -- the message that shows the request's state
        plan_ts            text,                   -- the plan with the Approve and Deny buttons
        plan               jsonb NOT NULL,
        approvals_required integer NOT NULL CHECK (approvals_required >= 0),
        approved_by        text[] NOT NULL DEFAULT '{}',
        decided_by         text,
        decided_at         timestamptz,
        state              text NOT NULL CHECK (state IN
                             ('pending', 'approved', 'running', 'succeeded', 'failed', 'rejected', 'expired')),
        restarted_at       text,                   -- the annotation value, recorded before the patch is sent
        started_at         timestamptz,
        finished_at        timestamptz,
        job_id             text,
        result             text
      );
      ${approvalIndexes('restart_requests', 'cluster, namespace, kind, name')}
    `,
  },
  {
    version: 5,
    name: 'audit log by request',
    // A request's rows by its id: the approvals look for failed requests whose `failed` row is missing
    // (it could not be written when they failed) and write it late.
    sql: `
      CREATE INDEX audit_log_request ON audit_log (request_id, action, outcome) WHERE request_id IS NOT NULL;
    `,
  },
  ...VAULT_MIGRATIONS,
  ...PHASE_MIGRATIONS,
  ...STATUS_MIGRATIONS,
  ...BENCH_MIGRATIONS,
  ...INCIDENT_MIGRATIONS,
  ...HEALTH_MIGRATIONS,
  ...LATER_INCIDENT_MIGRATIONS,
];

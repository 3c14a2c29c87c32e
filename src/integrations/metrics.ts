import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { within } from '../concurrency.js';
import type { CallOutcome, CommandOutcome, JobOutcome, Metrics, RequestSystem } from '../contracts/metrics.js';

/** How long a scrape waits for Redis or PostgreSQL before it reports the series it has without them. */
const COLLECT_TIMEOUT_MS = 1_000;

/** The queue states reported (BullMQ getJobCounts): what backs up, what runs, what waits, what failed. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

/** Default metrics whose names break Prometheus' conventions. */
const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** Latency buckets for calls to other systems (seconds): 5 ms to 30 s. */
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Job durations (seconds): 50 ms to 30 min (a rollout, a benchmark). */
const JOB_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

/** The approval requests of one kind in one state, as counted at a scrape. */
export interface ApprovalCount {
  kind: string;
  state: string;
  count: number;
}

/**
 * One process's metrics on a Registry of its own (never the global one: a test builds a bot and a worker
 * in one process). The process role serves `registry.metrics()` at /metrics.
 */
export class PromMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly commands;
  private readonly jobs;
  private readonly slackCalls;
  private readonly slackRateLimits;
  private readonly slackRetryAfter;
  private readonly requests: Record<RequestSystem, Histogram<'operation' | 'outcome'>>;
  private readonly auditFailures;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    // prom-client names three gauges `_total`, which Prometheus reserves for counters (`promtool check
    // metrics` refuses them); their per-type forms (nodejs_active_handles, …) stay.
    for (const name of MISNAMED_DEFAULTS) this.registry.removeSingleMetric(name);
    this.commands = new Counter({
      name: 'carbon_commands_total',
      help: 'Commands dispatched, by command name and outcome (done inline, queued, refused, usage_error, failed).',
      labelNames: ['command', 'outcome'] as const,
      registers,
    });
    this.jobs = new Histogram({
      name: 'carbon_job_duration_seconds',
      help: 'Job runs on this worker, by job name (job_name: the job label is the scrape target) and outcome (done, refused, failed, lost).',
      labelNames: ['job_name', 'outcome'] as const,
      buckets: JOB_BUCKETS,
      registers,
    });
    this.slackCalls = new Counter({
      name: 'carbon_slack_api_calls_total',
      help: 'Slack Web API calls, by method and outcome (ok, error).',
      labelNames: ['method', 'outcome'] as const,
      registers,
    });
    this.slackRateLimits = new Counter({
      name: 'carbon_slack_rate_limited_total',
      help: 'Slack Web API answers 429 (rate limited), by method; the client waits Retry-After and tries again.',
      labelNames: ['method'] as const,
      registers,
    });
    this.slackRetryAfter = new Histogram({
      name: 'carbon_slack_retry_after_seconds',
      help: 'The Retry-After of Slack 429 answers.',
      buckets: [1, 2, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.requests = {
      kubernetes: callHistogram('kubernetes', 'Kubernetes API', registers),
      vault: callHistogram('vault', 'Vault', registers),
      kafka: callHistogram('kafka', 'Kafka admin', registers),
    };
    this.auditFailures = new Counter({
      name: 'carbon_audit_write_failures_total',
      help: 'Audit trail rows that could not be written.',
      registers,
    });
  }

  command(command: string, outcome: CommandOutcome): void {
    this.commands.inc({ command, outcome });
  }

  job(job: string, outcome: JobOutcome, seconds: number): void {
    this.jobs.observe({ job_name: job, outcome }, seconds);
  }

  slackCall(method: string, outcome: CallOutcome): void {
    this.slackCalls.inc({ method, outcome });
  }

  slackRateLimited(method: string, retryAfterSeconds: number): void {
    this.slackRateLimits.inc({ method });
    this.slackRetryAfter.observe(retryAfterSeconds);
  }

  request(system: RequestSystem, operation: string, outcome: CallOutcome, seconds: number): void {
    this.requests[system].observe({ operation, outcome }, seconds);
  }

  auditWriteFailed(): void {
    this.auditFailures.inc();
  }

  /**
   * The queue's jobs by state, asked of Redis at each scrape (BullMQ getJobCounts), bounded in time: a
   * Redis that does not answer leaves the series out of that scrape rather than holding it.
   */
  watchQueue(queue: string, counts: (...states: QueueState[]) => Promise<Record<string, number>>): void {
    new Gauge({
      name: 'carbon_queue_jobs',
      help: 'Jobs in the queue, by state (waiting, active, delayed, failed), read from Redis at the scrape.',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const found = await within(counts(...QUEUE_STATES), COLLECT_TIMEOUT_MS).catch(() => undefined);
        if (found !== undefined) for (const state of QUEUE_STATES) this.set({ queue, state }, found[state] ?? 0);
      },
    });
  }

  /** The approval requests by kind and state (pending, approved, expired, …), read from PostgreSQL at the scrape. */
  watchApprovals(counts: () => Promise<ApprovalCount[]>): void {
    new Gauge({
      name: 'carbon_approval_requests',
      help: 'Approval requests, by kind and state (pending, approved, running, succeeded, failed, rejected, expired).',
      labelNames: ['kind', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const found = await within(counts(), COLLECT_TIMEOUT_MS).catch(() => undefined);
        for (const { kind, state, count } of found ?? []) this.set({ kind, state }, count);
      },
    });
  }

  /**
   * When the daily status was last posted, by any replica, read from PostgreSQL at the scrape (so a
   * restarted worker reports the last post, not zero); absent while none was ever posted.
   */
  watchStatusPost(scheduler: string, lastPosted: () => Promise<Date | undefined>): void {
    new Gauge({
      name: 'carbon_status_post_last_success_timestamp_seconds',
      help: 'When the daily status post last succeeded (Unix time), as recorded in PostgreSQL.',
      labelNames: ['scheduler'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const at = await within(lastPosted(), COLLECT_TIMEOUT_MS).catch(() => undefined);
        if (at !== undefined) this.set({ scheduler }, at.getTime() / 1000);
      },
    });
  }

  /** The Prometheus text exposition of every series. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

function callHistogram(system: RequestSystem, what: string, registers: Registry[]) {
  return new Histogram({
    name: `carbon_${system}_request_duration_seconds`,
    help: `${what} requests, by operation and outcome (ok, error, timeout, unreachable).`,
    labelNames: ['operation', 'outcome'] as const,
    buckets: CALL_BUCKETS,
    registers,
  });
}

import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { isUserError, ReportedFailure } from '../errors.js';
import { inProgress, internalFailure, jobLost, userFailure } from './replies.js';
import type { JobData } from '../contracts/jobs.js';
import type { JobDeps, ScheduledJobDefinition } from './job.js';
import { coalesce } from './progress.js';
import type { JobRegistry } from './registry.js';
import { NO_METRICS, secondsSince, type Metrics } from '../contracts/metrics.js';

export interface WorkerOptions {
  queueName: string;
  connection: Redis;
  concurrency: number;
  /** Minimum time between two edits of the same Slack message. */
  progressIntervalMs?: number;
  /** How long a job stays locked without a heartbeat; a dead worker's jobs are taken over after about this long. */
  lockDurationMs?: number;
}

/**
 * Runs queued commands. Any number of workers may run on any machines: everything a job needs is in
 * its data or in Redis/PostgreSQL, never in this process.
 */
export function startWorker(deps: JobDeps, jobs: JobRegistry, options: WorkerOptions): Worker<JobData> {
  const worker = new Worker<JobData>(
    options.queueName,
    (job) =>
      timed(job.name, deps.metrics ?? NO_METRICS, () => runJob(job, deps, jobs, options.progressIntervalMs ?? 1_500)),
    {
      connection: options.connection,
      concurrency: options.concurrency,
      autorun: true,
      // Per worker in BullMQ: the largest allowance of any job; jobFor fails the jobs that allow fewer.
      maxStalledCount: jobs.maxStalledCount,
      ...(options.lockDurationMs !== undefined
        ? { lockDuration: options.lockDurationMs, stalledInterval: options.lockDurationMs }
        : {}),
    },
  );
  worker.on('error', (error) => deps.log.error({ err: error }, 'worker error'));
  return worker;
}

/** Every run counted by job name and outcome, with its duration (carbon_job_duration_seconds). */
async function timed(name: string, metrics: Metrics, run: () => Promise<string>): Promise<string> {
  const started = process.hrtime.bigint();
  try {
    const result = await run();
    metrics.job(name, 'done', secondsSince(started));
    return result;
  } catch (error) {
    const outcome = error instanceof JobLost ? 'lost' : error instanceof UnrecoverableError ? 'refused' : 'failed';
    metrics.job(name, outcome, secondsSince(started));
    throw error;
  }
}

async function runJob(
  job: Job<JobData>,
  deps: JobDeps,
  jobs: JobRegistry,
  progressIntervalMs: number,
): Promise<string> {
  const jobId = job.id ?? '?';
  const log = deps.log.child({ jobId, job: job.name, attempt: job.attemptsMade + 1 });
  const scheduled = jobs.scheduledJobFor(job.name);
  if (scheduled !== undefined) return runScheduledJob(scheduled, job as Job<unknown>, deps, log);
  const definition = jobs.jobFor(job.name);
  // The BullMQ name decides the job; jobs queued before `data.job` existed lack it, so it is set from the name.
  const data = { ...job.data, job: job.name } as JobData;
  const { reply } = data;
  if (definition === undefined) throw new UnrecoverableError(`No job definition for ${job.name}`);

  // What a job reports goes to Redis (the job's progress) and from there to Slack (an edit of the reply), both
  // coalesced: at most one write per interval and the job's `progressWrites` in all, the last state saved at the end.
  const limits = {
    intervalMs: progressIntervalMs,
    ...(definition.progressWrites !== undefined ? { maxSends: definition.progressWrites } : {}),
  };
  const edits = coalesce((text) => deps.chat.update(reply.channel, reply.ts, inProgress(job.name, text)), limits);
  const saved = coalesce(async (text) => {
    try {
      await job.updateProgress({ text });
    } catch (error) {
      // Redis lost the job (restarted without persistence): stop, so that the run that recovers it is alone.
      if ((await deps.queue.queue.getJob(jobId).catch(() => null)) === undefined) throw new JobLost(jobId);
      throw error;
    }
    // The Slack edit is not awaited: a slow or rate-limited Slack must not slow the work it reports on.
    void edits.push(text).catch(() => undefined); // progress is best effort
  }, limits);
  const progress = (text: string) => saved.push(text);
  const settle = async () => {
    await edits.flush(); // the result replaces what Slack shows; Redis keeps the last state reported
    await saved.flush({ last: true }).catch(() => undefined);
  };

  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  log.info('job started');
  let message;
  try {
    message = await definition.run({ jobId, data, deps, log, progress, lastAttempt });
  } catch (error) {
    await settle();
    if (error instanceof JobLost) {
      log.warn('job lost from the queue (Redis lost its data): stopped');
      await deps.chat.update(reply.channel, reply.ts, jobLost(jobId)).catch(() => undefined);
      throw error;
    }
    if (isUserError(error)) {
      log.info({ reason: error.message }, 'job refused');
      const shown = error instanceof ReportedFailure ? error.report : userFailure(error.message);
      await deps.chat.update(reply.channel, reply.ts, shown).catch(() => undefined);
      throw new UnrecoverableError(error.message);
    }
    log.error({ err: error }, 'job failed');
    if (lastAttempt) await deps.chat.update(reply.channel, reply.ts, internalFailure(jobId)).catch(() => undefined);
    throw error;
  }
  // The work is done: a failure to show it must not run the job again (a second snapshot, a second upload).
  await settle();
  await deps.chat
    .update(reply.channel, reply.ts, message)
    .catch((error: unknown) => log.error({ err: error }, 'result not shown'));
  log.info('job done');
  return message.text;
}

/**
 * Thrown by `progress` when the job's record is gone from Redis: the job stops where it is, unrecoverable
 * (BullMQ does not retry it), counted as `lost`.
 */
class JobLost extends UnrecoverableError {
  constructor(jobId: string) {
    super(`job ${jobId} is gone from the queue`);
  }
}

/** A job started by a job scheduler: no message to edit, so it posts on its own; failures are logged and retried. */
async function runScheduledJob(
  definition: ScheduledJobDefinition,
  job: Job<unknown>,
  deps: JobDeps,
  log: JobDeps['log'],
): Promise<string> {
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  const info = definition.quiet ? log.debug.bind(log) : log.info.bind(log);
  info('scheduled job started');
  try {
    const summary = await definition.run({ jobId: job.id ?? '?', data: job.data, deps, log, lastAttempt });
    info({ summary }, 'scheduled job done');
    return summary;
  } catch (error) {
    if (isUserError(error)) {
      log.warn({ reason: error.message }, 'scheduled job refused');
      throw new UnrecoverableError(error.message);
    }
    log.error({ err: error, lastAttempt }, 'scheduled job failed');
    throw error;
  }
}

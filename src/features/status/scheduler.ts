import type { JobDeps } from '../../jobs/job.js';
import type { Queue } from 'bullmq';
import type { Config } from '../../config.js';
import type { Logger } from '../../log.js';
import { keepTrying } from '../../jobs/keep-trying.js';
import { lastDueTick, nextTick, STATUS_SCHEDULER_ID, STATUS_TICK_JOB, type CronSchedule } from './schedule.js';
import type { StatusTickData } from './status-tick.js';
import { statusTick } from './status-tick.js';

export interface StatusScheduleDeps {
  /** The shared queue (QUEUE_NAME) the workers serve. */
  queue: Queue;
  store: JobDeps['store'];
  config: Config;
  log: Logger;
}

export type ScheduleStart =
  | { kind: 'off'; reason: string }
  | { kind: 'on'; schedule: CronSchedule; channel: string; next?: number; caughtUp?: number };

const JOB_OPTIONS = {
  attempts: statusTick.attempts,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
  removeOnFail: { age: 30 * 24 * 3600 },
} as const;

/**
 * Every bot and worker process calls this on start. It upserts the job scheduler (the same id and
 * options from every process: BullMQ keeps one scheduler and one next job), records the schedule in
 * PostgreSQL, and posts a tick that was due while nothing ran, once, late. Only STATUS_ENABLED=false
 * removes the scheduler (daily posts off for every replica); a process without STATUS_CHANNEL leaves it
 * alone, so one mis-configured replica cannot silently stop everyone's daily post.
 */
export async function startStatusSchedule(deps: StatusScheduleDeps, now = Date.now()): Promise<ScheduleStart> {
  const { queue, store, config, log } = deps;
  const channel = config.STATUS_CHANNEL;
  if (!config.STATUS_ENABLED) {
    // Said on purpose: the shared scheduler goes, for every replica.
    await queue
      .removeJobScheduler(STATUS_SCHEDULER_ID)
      .catch((error: unknown) => log.warn({ err: error }, 'status scheduler not removed'));
    log.info('daily status posts turned off (STATUS_ENABLED=false): scheduler removed');
    return { kind: 'off', reason: 'STATUS_ENABLED=false' };
  }
  if (channel === undefined) {
    // Possibly a mis-configured replica: it must not turn the daily post off for everyone.
    log.warn(
      'STATUS_CHANNEL is not set in this process: it does not register the daily status post; ' +
        'a scheduler registered by another process stays (STATUS_ENABLED=false turns it off)',
    );
    return { kind: 'off', reason: 'STATUS_CHANNEL is not set' };
  }
  const schedule = { pattern: config.STATUS_CRON, tz: config.STATUS_TZ };
  const record = await store.statusPosts.registerSchedule(STATUS_SCHEDULER_ID, schedule.pattern, schedule.tz, channel);
  const data: StatusTickData = { channel };
  try {
    // An upsert replaces the scheduler's pending job with one for the next tick after now, so a tick
    // that is overdue at this moment is dropped by BullMQ: the catch-up below posts it.
    await queue.upsertJobScheduler(STATUS_SCHEDULER_ID, schedule, { name: STATUS_TICK_JOB, data, opts: JOB_OPTIONS });
  } catch (error) {
    // E.g. another replica's clock is ahead and already ran the next tick: its scheduler stands.
    log.warn({ err: error }, 'status scheduler not upserted; the one registered by another process stays');
  }
  const caughtUp = await catchUpMissedTick(deps, schedule, record.since, channel, now);
  const next = nextTick(schedule, now);
  log.info(
    {
      pattern: schedule.pattern,
      tz: schedule.tz,
      channel,
      next: next && new Date(next).toISOString(),
      caughtUp: caughtUp && new Date(caughtUp).toISOString(),
    },
    'status schedule registered',
  );
  return {
    kind: 'on',
    schedule,
    channel,
    ...(next !== undefined ? { next } : {}),
    ...(caughtUp !== undefined ? { caughtUp } : {}),
  };
}

/**
 * The last tick due at `now` that has no finished post, if the schedule was already in force then,
 * is enqueued once under a fixed job id; its job claims the tick like any other, so when the regular
 * job (or another replica's catch-up) gets there too, only one of them posts.
 */
export async function catchUpMissedTick(
  deps: StatusScheduleDeps,
  schedule: CronSchedule,
  since: Date,
  channel: string,
  now = Date.now(),
): Promise<number | undefined> {
  const tick = lastDueTick(schedule, now);
  if (tick === undefined || tick < since.getTime()) return undefined;
  const post = await deps.store.statusPosts.post(STATUS_SCHEDULER_ID, new Date(tick));
  if (post?.state === 'posted') return undefined;
  const data: StatusTickData = { channel, tickAt: tick, catchUp: true };
  await deps.queue.add(STATUS_TICK_JOB, data, { ...JOB_OPTIONS, jobId: `status-catchup-${tick}` });
  deps.log.info({ tick: new Date(tick).toISOString() }, 'status tick missed while nothing ran: posting it late');
  return tick;
}

/**
 * Registers the schedule now, and again every `retryMs` until it works (Redis or PostgreSQL may be
 * down when a process starts; the process keeps running and registers once they are back); `again()`
 * after Redis reconnects, which may have lost the scheduler.
 */
export function keepStatusScheduled(
  deps: StatusScheduleDeps,
  retryMs = 60_000,
): { registered: Promise<ScheduleStart | undefined>; stop(): void; again(): void } {
  const kept = keepTrying(() => startStatusSchedule(deps), { retryMs, log: deps.log, what: 'status schedule' });
  return { registered: kept.done, stop: kept.stop, again: kept.again };
}

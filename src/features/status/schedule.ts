import { getNextMillis } from 'bullmq';

/**
 * Cron arithmetic for the daily post, on BullMQ's own next-run function, so "next run" and "the tick
 * that was due" are computed exactly as the job scheduler computes them.
 */

/** The BullMQ job scheduler of the daily post, and the name of the jobs it makes. */
export const STATUS_SCHEDULER_ID = 'status-daily';
export const STATUS_TICK_JOB = 'status-tick';

/** A post made more than this long after its tick says it is late. */
export const LATE_AFTER_MS = 5 * 60_000;

export interface CronSchedule {
  pattern: string;
  tz: string;
}

/** The first tick strictly after `after`, or undefined when the pattern never fires again. */
export function nextTick(schedule: CronSchedule, after: number): number | undefined {
  return getNextMillis(after, { pattern: schedule.pattern, tz: schedule.tz });
}

/** The next `count` ticks strictly after `after`. */
export function nextTicks(schedule: CronSchedule, after: number, count: number): number[] {
  const ticks: number[] = [];
  let from = after;
  while (ticks.length < count) {
    const next = nextTick(schedule, from);
    if (next === undefined) break;
    ticks.push(next);
    from = next;
  }
  return ticks;
}

/** Look-back windows, shortest first: a per-second pattern is found in the first, a weekly one in the fourth. */
const WINDOWS_MS = [60_000, 3_600_000, 86_400_000, 8 * 86_400_000, 32 * 86_400_000, 367 * 86_400_000];
const MAX_STEPS = 10_000;

/** The latest tick at or before `now`, within a year; undefined when there is none. */
export function lastDueTick(schedule: CronSchedule, now: number): number | undefined {
  for (const window of WINDOWS_MS) {
    let tick = nextTick(schedule, now - window - 1);
    if (tick === undefined || tick > now) continue;
    for (let step = 0; step < MAX_STEPS; step++) {
      const next = nextTick(schedule, tick);
      if (next === undefined || next > now) return tick;
      tick = next;
    }
    return tick;
  }
  return undefined;
}

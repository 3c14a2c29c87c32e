import { Queue } from 'bullmq';
import { renderSchedule, type ScheduleView } from './schedule-render.js';
import { nextTicks, STATUS_SCHEDULER_ID } from './schedule.js';
import type { JobDefinition } from '../../jobs/job.js';
import type { StatusTickData } from './status-tick.js';

/** `/carbon schedule`: the settings, the next runs, the scheduler as registered in the shared queue, the last post. */
export const statusSchedule: JobDefinition<'status-schedule'> = {
  attempts: 2,
  async run({ deps }) {
    const { config, store } = deps;
    const now = new Date();
    const schedule = { pattern: config.STATUS_CRON, tz: config.STATUS_TZ };
    // The scheduler lives in the shared queue (QUEUE_NAME); a terminal session serves a private one.
    const own = deps.queue.name === config.QUEUE_NAME;
    const shared = own
      ? deps.queue.queue
      : new Queue(config.QUEUE_NAME, { connection: deps.queue.queue.opts.connection });
    let registered: ScheduleView['registered'];
    try {
      const json = await shared.getJobScheduler(STATUS_SCHEDULER_ID);
      if (json !== undefined) {
        const channel = (json.template?.data as StatusTickData | undefined)?.channel;
        registered = {
          ...(json.pattern !== undefined ? { pattern: json.pattern } : {}),
          tz: json.tz ?? 'UTC',
          ...(json.next !== undefined && json.next !== null ? { next: json.next } : {}),
          ...(json.iterationCount !== undefined ? { iterations: json.iterationCount } : {}),
          ...(channel !== undefined ? { channel } : {}),
        };
      }
    } finally {
      if (!own) await shared.close();
    }
    const lastPost = await store.statusPosts.lastPosted(STATUS_SCHEDULER_ID);
    return renderSchedule({
      schedule,
      ...(config.STATUS_CHANNEL !== undefined ? { channel: config.STATUS_CHANNEL } : {}),
      next: nextTicks(schedule, now.getTime(), 3),
      queueName: config.QUEUE_NAME,
      ...(registered ? { registered } : {}),
      ...(lastPost ? { lastPost } : {}),
      now,
    });
  },
};

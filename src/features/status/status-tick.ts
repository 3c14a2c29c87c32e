import { UnrecoverableError } from 'bullmq';
import { renderStatusPost } from './post-render.js';
import { inProgress } from '../../jobs/replies.js';
import { LATE_AFTER_MS, STATUS_SCHEDULER_ID } from './schedule.js';
import { composeStatus } from './status-data.js';
import { formatTime } from './time.js';
import type { ScheduledJobDefinition } from '../../jobs/job.js';
import { sectionContext, uploadTrendChart } from './status-report.js';

export interface StatusTickData {
  /** Where the post goes (STATUS_CHANNEL when the scheduler was registered). */
  channel: string;
  /** The tick, for a catch-up job; a scheduler's job carries it in its id (`repeat:<scheduler>:<millis>`). */
  tickAt?: number;
  catchUp?: boolean;
}

/** The tick a job is for: its data's, or the time BullMQ put in a scheduler job's id. */
export function tickOf(jobId: string, data: StatusTickData): number {
  if (data.tickAt !== undefined) return data.tickAt;
  const millis = Number(/^repeat:.+:(\d+)$/.exec(jobId)?.[1]);
  if (!Number.isSafeInteger(millis) || millis <= 0)
    throw new UnrecoverableError(`status tick job ${jobId} names no tick time`);
  return millis;
}

/**
 * One daily status post per tick. The tick is claimed in PostgreSQL before anything is posted, so a
 * second job for the same tick (another replica's catch-up, a redelivery) posts nothing. The message
 * is posted once as a placeholder and its ts recorded: a retry after a failure edits that message.
 */
export const statusTick: ScheduledJobDefinition<StatusTickData> = {
  attempts: 3,
  async run({ jobId, data, deps, log }) {
    const { chat, store, config } = deps;
    const tickAt = new Date(tickOf(jobId, data));
    const claim = await store.statusPosts.claim({
      scheduler: STATUS_SCHEDULER_ID,
      tickAt,
      channel: data.channel,
      jobId,
    });
    if (claim.kind === 'taken') {
      log.info({ tick: tickAt.toISOString(), heldBy: claim.jobId, state: claim.state }, 'status tick already handled');
      return `tick ${tickAt.toISOString()} already ${claim.state} by job ${claim.jobId}`;
    }
    const now = new Date();
    const tick = { at: tickAt, late: now.getTime() - tickAt.getTime() > LATE_AFTER_MS };
    const tz = config.STATUS_TZ;
    let ts = claim.messageTs;
    if (ts === undefined) {
      ts = await chat.post(data.channel, inProgress('Daily status', `measuring for ${formatTime(tickAt, tz)}…`));
      await store.statusPosts.setMessage(STATUS_SCHEDULER_ID, tickAt, jobId, ts);
    }
    const previousPost = await store.statusPosts.lastPosted(STATUS_SCHEDULER_ID, tickAt);
    const status = await composeStatus(sectionContext(deps, log, jobId, now), {
      tz,
      tick,
      ...(previousPost ? { previousPost } : {}),
    });
    await chat.update(data.channel, ts, renderStatusPost(status));
    const snapshotId = status.health.state === 'measured' ? status.health.value.snapshotId : undefined;
    const marked = await store.statusPosts.markPosted(STATUS_SCHEDULER_ID, tickAt, jobId, {
      late: tick.late,
      ...(snapshotId ? { snapshotId } : {}),
    });
    if (marked) await uploadTrendChart(chat, data.channel, ts, status, log);
    log.info({ tick: tickAt.toISOString(), late: tick.late, ts, catchUp: data.catchUp === true }, 'status posted');
    return `posted tick ${tickAt.toISOString()}${tick.late ? ' (late)' : ''} as ${ts}`;
  },
};

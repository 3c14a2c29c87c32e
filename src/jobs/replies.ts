import { escapeMrkdwn, type Message } from '../message.js';

/** The small messages around a job: queued, progress, failed. */

export const queued = (what: string, jobId?: string): Message => ({
  text: `⏳ Queued: ${what}${jobId ? ` (job ${jobId})` : ''}`,
});

export const inProgress = (what: string, text: string): Message => ({ text: `⏳ ${what}: ${escapeMrkdwn(text)}` });

export const userFailure = (message: string): Message => ({ text: `❌ ${escapeMrkdwn(message)}` });

export const internalFailure = (jobId: string): Message => ({
  text: `💥 Internal error, job ${jobId}. It has been logged; the operators can find it by that id.`,
});

export const refusal = (message: string): Message => ({ text: `🚫 ${escapeMrkdwn(message)}` });

export const usage = (message: string): Message => ({ text: `⚠️ ${escapeMrkdwn(message)}` });

/**
 * A job whose record Redis lost (a restart without persistence) stops: it cannot report its end, and an
 * approved request's follow-up is taken over by the approvals sweep, which may start it again.
 */
export const jobLost = (jobId: string): Message => ({
  text:
    `⚠️ Job ${jobId} was lost from the job queue (Redis restarted without its data?) and stopped here. ` +
    'An approved request is taken over by the approvals sweep, which posts its outcome in this thread; ' +
    'anything else, ask again.',
});

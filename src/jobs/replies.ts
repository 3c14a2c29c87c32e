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

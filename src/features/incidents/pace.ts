import type { CommandQueue } from '../../jobs/queue.js';

/** Slack allows about one message a second per channel (chat.postMessage); a burst beyond it is throttled. */
export const POST_INTERVAL_MS = 1_100;

/**
 * Waits for this channel's turn to post: one post per POST_INTERVAL_MS per channel, shared by every worker
 * (in Redis), so a storm of alert groups is spread out instead of refused by Slack.
 */
export async function paceChannel(queue: CommandQueue, channel: string): Promise<void> {
  for (;;) {
    const wait = await queue.turn(`slack-post:${channel}`, POST_INTERVAL_MS);
    if (wait === 0) return;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

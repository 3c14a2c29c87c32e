import type { Chat } from '../../integrations/slack.js';
import { slackErrorCode } from '../../errors.js';
import type { Logger } from '../../log.js';

/** Slack's refusals of the history lookup that a retry will not change. */
const LOOKUP_REFUSED = new Set(['not_in_channel', 'missing_scope', 'channel_not_found']);

/**
 * The ts of a post made with `key` that may have reached Slack although its maker never learnt so (it died, or the
 * answer was lost), or undefined when it is not there. Where Slack will not show the history (the bot is not in the
 * channel, the app lacks channels:history) it counts as not there: posting again risks a second message, not looking
 * would lose the post. That is logged, with what to do about it.
 */
export async function earlierPost(
  chat: Chat,
  post: { channel: string; key: string; since: Date; threadTs?: string },
  log: Logger,
): Promise<string | undefined> {
  return chat.findPosted(post.channel, post.key, post.since, post.threadTs).catch((error: unknown) => {
    const refusal = slackErrorCode(error) ?? '';
    if (!LOOKUP_REFUSED.has(refusal)) throw error;
    log.warn(
      { channel: post.channel, refusal },
      `Slack will not show the channel's history (${refusal}): a post that may have been made is made again and may show twice; invite the bot to the channel and grant channels:history and groups:history`,
    );
    return undefined;
  });
}

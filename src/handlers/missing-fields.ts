import type { Chat } from '../integrations/slack.js';
import type { Logger } from '../log.js';
import { unreadableRequest } from './render.js';

/** The names in `fields` whose value in `body` is not a non-empty string (`text` may be empty: a bare `/carbon`). */
export function missingFields(body: Record<string, unknown>, fields: readonly string[]): string[] {
  return fields.filter((field) => {
    const value = body[field];
    return typeof value !== 'string' || (value === '' && field !== 'text');
  });
}

/**
 * A request (a mention, a click) that lacks fields: nothing is run; it is logged, and the person is told in
 * the channel when Slack said who and where. A slash command says so in its ack instead.
 */
export async function refuseUnreadable(
  request: { what: string; missing: string[]; user: unknown; channel: unknown },
  chat: Chat,
  log: Logger,
): Promise<void> {
  const { what, missing, user, channel } = request;
  log.warn({ missing, user, channel }, `${what} refused: fields missing`);
  if (typeof user !== 'string' || user === '' || typeof channel !== 'string' || channel === '') return;
  await chat
    .ephemeral(channel, user, unreadableRequest(missing))
    .catch((error: unknown) => log.warn({ err: error }, `could not tell the user about an unreadable ${what}`));
}

import type { BlockAction, ButtonAction } from '@slack/bolt';
import type { Chat } from '../integrations/slack.js';
import type { GroupDirectory } from '../policy/groups.js';
import type { Actor } from '../policy/policy.js';
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

/**
 * Who clicked a button and where, as dispatch's actor; undefined once a click lacking any of that (or of `also`)
 * has been refused. The click's own id (action_ts) is required too: without it a replay could not be told from
 * the click.
 */
export async function clickActor(
  body: BlockAction<ButtonAction>,
  action: ButtonAction,
  also: Record<string, string | undefined>,
  deps: { groups: GroupDirectory; log: Logger },
  chat: Chat,
): Promise<Actor | undefined> {
  const channel = body.channel?.id ?? body.container?.channel_id;
  const fields = { user: body.user.id, channel, action_ts: action.action_ts, ...also };
  const missing = missingFields(fields, Object.keys(fields));
  if (missing.length > 0 || channel === undefined) {
    await refuseUnreadable({ what: 'click', missing, user: fields.user, channel }, chat, deps.log);
    return undefined;
  }
  return {
    user: fields.user,
    groups: await deps.groups.groupsOf(fields.user),
    channel: { id: channel, ...(body.channel?.name ? { name: body.channel.name } : {}) },
  };
}

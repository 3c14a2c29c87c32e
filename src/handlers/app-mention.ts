import type { App } from '@slack/bolt';
import { slackChat } from '../integrations/slack.js';
import { dispatch, type SlackHandlerDeps } from './dispatch.js';
import { missingFields, refuseUnreadable } from './missing-fields.js';

/**
 * `@carbon restart trino, it is stuck on queued queries` in an incident channel: the same dispatch
 * path as the slash command, replying in the mention's thread. Where a command may run is the
 * policy's business (restart: incident channels only), not this listener's.
 */
export function registerAppMention(app: App, deps: SlackHandlerDeps): void {
  app.event('app_mention', async ({ event, body, client }) => {
    if (event.bot_id !== undefined) return; // never act on a bot's words, our own included
    const chat = slackChat(client, deps.metrics);
    // The event id is the request's id: a mention without it could not be told from a replay of it.
    const missing = [
      ...missingFields({ ...event }, ['user', 'channel', 'text', 'ts']),
      ...missingFields(body, ['event_id']),
    ];
    const { user } = event;
    if (missing.length > 0 || user === undefined) {
      await refuseUnreadable({ what: 'mention', missing, user, channel: event.channel }, chat, deps.log);
      return;
    }
    const actor = {
      user,
      groups: await deps.groups.groupsOf(user),
      channel: { id: event.channel, name: await chat.channelName(event.channel) },
    };
    await dispatch(
      { text: event.text, form: 'mention', actor, threadTs: event.thread_ts ?? event.ts },
      { ...deps, chat },
    );
  });
}

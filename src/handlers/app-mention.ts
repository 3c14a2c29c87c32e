import type { App } from '@slack/bolt';
import { slackChat } from '../integrations/slack.js';
import { dispatch, type SlackHandlerDeps } from './dispatch.js';
import { missingFields } from './missing-fields.js';
import { unreadableRequest } from './render.js';

/**
 * `@carbon restart trino, it is stuck on queued queries` in an incident channel: the same dispatch
 * path as the slash command, replying in the mention's thread. Where a command may run is the
 * policy's business (restart: incident channels only), not this listener's.
 */
export function registerAppMention(app: App, deps: SlackHandlerDeps): void {
  app.event('app_mention', async ({ event, body, client }) => {
    if (event.bot_id !== undefined || event.user === undefined) return; // never act on a bot's words, our own included
    const chat = slackChat(client);
    const missing = missingFields({ ...event }, ['channel', 'text', 'ts']);
    if (missing.length > 0) {
      // Nothing is run; the person is told in the channel when there is one to tell them in.
      deps.log.warn({ missing, eventId: body.event_id }, 'mention refused: fields missing');
      if (typeof event.channel === 'string' && event.channel !== '')
        await chat
          .ephemeral(event.channel, event.user, unreadableRequest(missing))
          .catch((error: unknown) =>
            deps.log.warn({ err: error }, 'could not tell the user about an unreadable mention'),
          );
      return;
    }
    const actor = {
      user: event.user,
      groups: await deps.groups.groupsOf(event.user),
      channel: { id: event.channel, name: await chat.channelName(event.channel) },
    };
    // Slack redelivers an event it thinks went unanswered with the same event_id: it enqueues once.
    await dispatch(
      {
        text: event.text,
        form: 'mention',
        actor,
        dedupeKey: `event:${body.event_id}`,
        threadTs: event.thread_ts ?? event.ts,
      },
      { ...deps, chat },
    );
  });
}

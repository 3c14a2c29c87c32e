import type { App } from '@slack/bolt';
import { slackChat } from '../integrations/slack.js';
import { dispatch, type SlackHandlerDeps } from './dispatch.js';

/** `/carbon …`: ack at once (Slack allows 3 s), then the shared dispatch path answers or enqueues. */
export function registerSlashCommand(app: App, deps: SlackHandlerDeps): void {
  app.command('/carbon', async ({ ack, command, client }) => {
    await ack();
    const actor = {
      user: command.user_id,
      groups: await deps.groups.groupsOf(command.user_id),
      channel: { id: command.channel_id, name: command.channel_name },
    };
    // Slack resends a request it thinks went unanswered; the trigger id is the same, so it enqueues once.
    await dispatch(
      { text: command.text, actor, dedupeKey: `slash:${command.trigger_id}` },
      { ...deps, chat: slackChat(client) },
    );
  });
}

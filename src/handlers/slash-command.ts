import type { App } from '@slack/bolt';
import { slackChat } from '../integrations/slack.js';
import type { AfterAck } from './after-ack.js';
import { dispatch, type SlackHandlerDeps } from './dispatch.js';
import { missingFields } from './missing-fields.js';
import { tooBusy, unknownCommand, unreadableRequest } from './render.js';

/**
 * What a slash command cannot be acted on without: who, where, what was typed, and the trigger id, its id
 * (without it a replay could not be told from the request).
 */
const REQUIRED = ['user_id', 'channel_id', 'text', 'trigger_id'] as const;

/** Any command name but `/carbon`, the empty one included. */
const OTHER_COMMANDS = /^(?!\/carbon$)/;

/**
 * `/carbon …`: ack at once (Slack allows 3 s), then the shared dispatch path answers or enqueues, off the
 * request's path (`afterAck`): nothing done for one request delays the next one's ack.
 */
export function registerSlashCommand(app: App, deps: SlackHandlerDeps, afterAck: AfterAck): void {
  app.command('/carbon', async ({ ack, command, client }) => {
    const missing = missingFields(command, REQUIRED);
    if (missing.length > 0) {
      // Refused before anything is looked up, audited or queued; the ack's text is shown to the person.
      deps.log.warn({ missing, triggerId: command.trigger_id }, 'slash command refused: fields missing');
      await ack(unreadableRequest(missing).text);
      return;
    }
    if (!afterAck.hasRoom()) {
      deps.log.warn({ waiting: afterAck.backlog, triggerId: command.trigger_id }, 'slash command refused: too busy');
      await ack(tooBusy(afterAck.backlog).text);
      return;
    }
    await ack();
    afterAck.run(async () => {
      const actor = {
        user: command.user_id,
        groups: await deps.groups.groupsOf(command.user_id),
        channel: { id: command.channel_id, name: command.channel_name },
      };
      await dispatch({ text: command.text, actor }, { ...deps, chat: slackChat(client, deps.metrics) });
    });
  });
  // Another command (the app set up with one more): answered at once, not left for Bolt to time out with a 404.
  app.command(OTHER_COMMANDS, async ({ ack, command }) => {
    deps.log.warn({ command: command.command, triggerId: command.trigger_id }, 'slash command not carbon-ops');
    await ack(unknownCommand(command.command).text);
  });
}

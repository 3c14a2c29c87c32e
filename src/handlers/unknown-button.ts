import type { App, BlockAction, BlockElementAction } from '@slack/bolt';
import { APPROVE_ACTION, DENY_ACTION } from '../approvals/render.js';
import { slackChat } from '../integrations/slack.js';
import type { SlackHandlerDeps } from './dispatch.js';
import { INCIDENT_ACTION_IDS } from './incident-buttons.js';
import { unknownButton } from './render.js';

/** Every action id but the ones carbon-ops' own buttons carry. */
const OTHER_ACTIONS = new RegExp(`^(?!(?:${[APPROVE_ACTION, DENY_ACTION, ...INCIDENT_ACTION_IDS].join('|')})$)`);

/**
 * A click on a button no listener handles: acked at once (Slack would otherwise mark the button failed
 * after 3 s) and the clicker told that nothing was done.
 */
export function registerUnknownButton(app: App, deps: SlackHandlerDeps): void {
  app.action<BlockAction<BlockElementAction>>(
    { type: 'block_actions', action_id: OTHER_ACTIONS },
    async ({ ack, body, action, client }) => {
      await ack();
      const user = body.user?.id;
      const channel = body.channel?.id ?? body.container?.channel_id;
      deps.log.warn({ actionId: action.action_id, user, channel }, 'click on a button carbon-ops does not handle');
      if (user === undefined || channel === undefined) return;
      await slackChat(client, deps.metrics)
        .ephemeral(channel, user, unknownButton())
        .catch((error: unknown) => deps.log.warn({ err: error }, 'could not tell the clicker about an unknown button'));
    },
  );
}

import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { slackChat } from '../integrations/slack.js';
import { APPROVE_ACTION, DENY_ACTION } from '../approvals/render.js';
import { decisionCommand } from './approval.js';
import { dispatch, type SlackHandlerDeps } from './dispatch.js';
import { missingFields, refuseUnreadable } from './missing-fields.js';

/**
 * The plan's Approve button: the command `approve <request id>` from whoever clicked, through dispatch
 * (policy: the approver role; then the two-person rule in the conditional UPDATE). A second click or a
 * double click is refused with a message to the clicker only.
 */
export function registerApproveButton(app: App, deps: SlackHandlerDeps): void {
  registerDecisionButton(app, deps, APPROVE_ACTION, 'approve');
}

/** The plan's Deny button: `deny <request id>` by whoever clicked (the requester cancels, an approver denies). */
export function registerDenyButton(app: App, deps: SlackHandlerDeps): void {
  registerDecisionButton(app, deps, DENY_ACTION, 'deny');
}

/**
 * A click on `actionId` is the command `<verb> <the button's value>` from whoever clicked, in the plan's
 * channel, built directly (not as text to parse).
 */
function registerDecisionButton(app: App, deps: SlackHandlerDeps, actionId: string, verb: 'approve' | 'deny'): void {
  app.action<BlockAction<ButtonAction>>(
    { type: 'block_actions', action_id: actionId },
    async ({ ack, body, action, client }) => {
      await ack();
      const chat = slackChat(client, deps.metrics);
      // The click's own id (action_ts) too: without it a replay could not be told from the click.
      const channel = body.channel?.id ?? body.container?.channel_id;
      const fields = { user: body.user.id, channel, action_ts: action.action_ts };
      const missing = missingFields(fields, ['user', 'channel', 'action_ts']);
      const { user } = fields;
      if (missing.length > 0 || channel === undefined) {
        await refuseUnreadable({ what: 'click', missing, user, channel }, chat, deps.log);
        return;
      }
      const actor = {
        user,
        groups: await deps.groups.groupsOf(user),
        channel: { id: channel, ...(body.channel?.name ? { name: body.channel.name } : {}) },
      };
      await dispatch(
        {
          text: `${verb} ${action.value ?? ''}`,
          build: () => decisionCommand(verb, action.value),
          actor,
        },
        { ...deps, chat },
      );
    },
  );
}

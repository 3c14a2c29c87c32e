import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { slackChat } from '../integrations/slack.js';
import { APPROVE_ACTION, DENY_ACTION } from '../approvals/render.js';
import { decisionCommand } from './approval.js';
import { dispatch, type SlackHandlerDeps } from './dispatch.js';
import { clickActor } from './missing-fields.js';

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
      const actor = await clickActor(body, action, {}, deps, chat);
      if (actor === undefined) return;
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

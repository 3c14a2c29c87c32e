import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { slackChat } from '../integrations/slack.js';
import { APPROVE_ACTION } from '../reports/approval.js';
import { dispatch, type SlackHandlerDeps } from './dispatch.js';

/**
 * The plan's Approve button: exactly `approve <request id>` typed by whoever clicked, through dispatch
 * (policy: the approver role; then the two-person rule in the conditional UPDATE). A second click or a
 * double click is refused with a message to the clicker only.
 */
export function registerApproveButton(app: App, deps: SlackHandlerDeps): void {
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: APPROVE_ACTION }, async ({ ack, body, action, client }) => {
    await ack();
    const channel = body.channel?.id ?? body.container?.channel_id;
    if (channel === undefined) return;
    const actor = { user: body.user.id, groups: await deps.groups.groupsOf(body.user.id), channel: { id: channel, ...(body.channel?.name ? { name: body.channel.name } : {}) } };
    await dispatch({ text: `approve ${action.value ?? ''}`, actor, dedupeKey: `action:${body.trigger_id}` }, { ...deps, chat: slackChat(client) });
  });
}

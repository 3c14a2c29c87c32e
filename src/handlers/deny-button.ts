import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { slackChat } from '../integrations/slack.js';
import { DENY_ACTION } from '../reports/approval.js';
import { dispatch, type SlackHandlerDeps } from './dispatch.js';

/** The plan's Deny button: `deny <request id>` by whoever clicked (the requester cancels, an approver denies). */
export function registerDenyButton(app: App, deps: SlackHandlerDeps): void {
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: DENY_ACTION }, async ({ ack, body, action, client }) => {
    await ack();
    const channel = body.channel?.id ?? body.container?.channel_id;
    if (channel === undefined) return;
    const actor = { user: body.user.id, groups: await deps.groups.groupsOf(body.user.id), channel: { id: channel, ...(body.channel?.name ? { name: body.channel.name } : {}) } };
    await dispatch({ text: `deny ${action.value ?? ''}`, actor, dedupeKey: `action:${body.trigger_id}` }, { ...deps, chat: slackChat(client) });
  });
}

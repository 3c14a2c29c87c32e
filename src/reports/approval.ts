import type { KnownBlock } from '@slack/types';
import { clip, context } from './message.js';

/**
 * The action ids of every approval plan's buttons; their value is the request id, which `approve` and
 * `deny` look up whatever its kind. They say "restart" because restarts came first: buttons already
 * posted in Slack keep working.
 */
export const APPROVE_ACTION = 'restart-approve';
export const DENY_ACTION = 'restart-deny';

export interface ApprovalButtons {
  /** The request id: the buttons' value. */
  id: string;
  /** Unique per message, e.g. `restart-<id>`. */
  blockId: string;
  requestedBy: string;
  /** The confirmation dialog of Approve: its title (plain text) and what will happen (mrkdwn, escaped). */
  confirmTitle: string;
  confirmText: string;
}

/** Approve and Deny, and how to do the same from a terminal: shown while a request is pending. */
export function approvalActions(b: ApprovalButtons): KnownBlock[] {
  return [
    {
      type: 'actions',
      block_id: b.blockId,
      elements: [
        {
          type: 'button',
          action_id: APPROVE_ACTION,
          value: b.id,
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve' },
          confirm: {
            title: { type: 'plain_text', text: clip(b.confirmTitle, 100) },
            text: { type: 'mrkdwn', text: clip(b.confirmText, 300) },
            confirm: { type: 'plain_text', text: 'Approve' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
        { type: 'button', action_id: DENY_ACTION, value: b.id, style: 'danger', text: { type: 'plain_text', text: 'Deny' } },
      ],
    },
    context(`Approve needs the approver role and someone other than <@${b.requestedBy}>. From a terminal: \`approve ${b.id}\` or \`deny ${b.id}\`.`),
  ];
}

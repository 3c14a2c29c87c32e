import type { KnownBlock } from '@slack/types';
import type { ApprovalRequest, ApprovalState } from './store.js';
import { clip, context, escapeMrkdwn, utc, who, type Message } from '../message.js';

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
        {
          type: 'button',
          action_id: DENY_ACTION,
          value: b.id,
          style: 'danger',
          text: { type: 'plain_text', text: 'Deny' },
        },
      ],
    },
    context(
      `Approve needs the approver role and someone other than <@${b.requestedBy}>. From a terminal: ` +
        `\`approve ${b.id}\` or \`deny ${b.id}\`.`,
    ),
  ];
}

/** A request's state as an icon, the same for every kind. */
export const REQUEST_ICON: Record<ApprovalState, string> = {
  pending: '⏳',
  approved: '✅',
  running: '🔄',
  succeeded: '✅',
  failed: '❌',
  rejected: '🛑',
  expired: '⌛',
};

/**
 * Where a request stands, in one line: its plan and its status message show it. `words` name the kind's
 * work while it runs and once it succeeded (`Restarting`, `Restarted`); `afterFinished` follows the
 * succeeded and failed lines (a Vault migration's rollback).
 */
export function requestStateLine(
  r: ApprovalRequest,
  words: { running: string; succeeded: string },
  afterFinished = '',
): string {
  switch (r.state) {
    case 'pending':
      return (
        `${REQUEST_ICON.pending} Awaiting approval (${r.approvedBy.length} of ` +
        `${r.approvalsRequired}${r.approvedBy.length > 0 ? `: ${who(r.approvedBy)}` : ''}) ` +
        `until ${utc(r.expiresAt)}`
      );
    case 'approved':
      return (
        `${REQUEST_ICON.approved} Approved by ` +
        `${r.approvedBy.length > 0 ? who(r.approvedBy) : 'the policy (no approval required)'}; starting`
      );
    case 'running':
      return (
        `${REQUEST_ICON.running} ${words.running} since ${r.startedAt ? utc(r.startedAt) : 'now'}; ` +
        `approved by ${r.approvedBy.length > 0 ? who(r.approvedBy) : 'the policy'}`
      );
    case 'succeeded':
      return (
        `${REQUEST_ICON.succeeded} ${words.succeeded}${r.result ? `: ${escapeMrkdwn(r.result)}` : ''}` +
        `${afterFinished}`
      );
    case 'failed':
      return `${REQUEST_ICON.failed} Failed${r.result ? `: ${escapeMrkdwn(r.result)}` : ''}${afterFinished}`;
    case 'rejected':
      return (
        `${REQUEST_ICON.rejected} ${r.decidedBy === r.requestedBy ? 'Cancelled' : 'Denied'} by ` +
        `<@${r.decidedBy ?? '?'}>${r.result ? `: ${escapeMrkdwn(r.result)}` : ''}`
      );
    case 'expired':
      return (
        `${REQUEST_ICON.expired} Expired at ${utc(r.expiresAt)} ` +
        `without ${r.approvalsRequired === 1 ? 'an approval' : `${r.approvalsRequired} approvals`}`
      );
  }
}

/**
 * How a request's follow-up job was lost: `gone` from the queue (Redis lost it), `died` with its worker
 * (BullMQ failed it after its stalls), `failed` for a known cause (PostgreSQL unreachable, read from the
 * job's failedReason), or `ended` for no known reason.
 */
export type JobLoss = { how: 'gone' | 'ended' | 'died' } | { how: 'failed'; cause: string };

/** What happened to the follow-up job, as the results below say it. */
function lossText(jobId: string, loss: JobLoss): string {
  switch (loss.how) {
    case 'gone':
      return `worker lost: its job ${jobId} is gone`;
    case 'ended':
      return `worker lost: its job ${jobId} has ended`;
    case 'died':
      return `worker lost: its job ${jobId} stopped when its worker died`;
    case 'failed':
      return `its job ${jobId} failed: ${loss.cause}`;
  }
}

/** The same, in a few words after a result read from the world: `its worker was lost`. */
export const lossNote = (loss: JobLoss): string =>
  loss.how === 'failed'
    ? `its job failed because ${loss.cause}`
    : loss.how === 'died'
      ? 'its worker died'
      : 'its worker was lost';

/**
 * The result of a request whose follow-up job was lost (`loss`) without finishing it. `running` names the
 * work that had started (`restart`), if it had; `seen` what the world showed then.
 */
export function workerLostResult(jobId: string, loss: JobLoss, running?: string, seen?: string): string {
  const lost = lossText(jobId, loss);
  if (running === undefined) return `${lost} before it started; nothing was done`;
  return seen !== undefined
    ? `${lost} while the ${running} was running (${seen}); check it before asking again`
    : `${lost} while the ${running} was running; check what was done before asking again`;
}

/** Posted in the request's thread when the sweep finishes it as failed. */
export const workerLostMessage = (id: string, result: string): Message => ({ text: `⚠️ Request ${id}: ${result}.` });

/**
 * Posted where the lost follow-up would have reported, when the sweep finished the request from what the
 * world shows (`result` says where it was read).
 */
export const recoveredMessage = (
  id: string,
  thing: string,
  state: 'succeeded' | 'failed',
  result: string,
): Message => ({
  text: `${REQUEST_ICON[state]} Request ${id}: the ${thing} ${state === 'succeeded' ? 'completed' : 'failed'}: ${escapeMrkdwn(result)}.`,
});

/** Posted in the thread when the sweep starts a new follow-up job for a request whose job Redis lost. */
export const resumedMessage = (id: string, thing: string, lostJob: string, seen?: string): Message => ({
  text:
    `🔄 Request ${id}: its job ${lostJob} is gone from the job queue (Redis lost it); the ${thing} is resumed ` +
    `from where it stands${seen ? ` (${escapeMrkdwn(seen)})` : ''}.`,
});

import type { ApproveCommand, DenyCommand } from '../commands/approve.js';
import { escapeMrkdwn } from '../reports/message.js';
import { approvedMessage } from '../reports/restart.js';
import { refusal } from '../reports/status.js';
import { showRequest } from '../restart/announce.js';
import { approvalRefusal, denyRefusal } from '../restart/approval.js';
import { AuditUnavailable, type AuditEntry } from '../store/audit-log.js';
import type { RestartRequest } from '../store/restart-requests.js';
import type { Answer, AnswerContext } from './answers.js';
import type { Outcome } from './dispatch.js';

const AUDIT_DOWN = 'The audit trail cannot be written right now, so your decision was not recorded and nothing was done. Try again in a minute.';

/**
 * `approve ID` and the Approve button. The decision is one conditional UPDATE (pending, unexpired, not
 * the requester, not twice by one person) with its audit row: a double click or two approvers at once
 * act once. The last approval needed starts the rollout as a follow-up job.
 */
export const answerApprove: Answer<ApproveCommand> = async (command, ctx) => {
  const { deps, request, whisper } = ctx;
  const { store, chat, queue, log } = deps;
  const user = request.actor.user;
  const channel = request.actor.channel.id;
  await expireDue(ctx);

  let approved: RestartRequest | undefined;
  try {
    approved = await store.restarts.approve(command.id, user, channel);
  } catch (error) {
    if (!(error instanceof AuditUnavailable)) throw error;
    log.error({ err: error, request: command.id }, 'approval not recorded: audit unavailable');
    await whisper(refusal(AUDIT_DOWN));
    return { kind: 'unavailable', message: AUDIT_DOWN };
  }
  if (approved === undefined) return refuse(ctx, command.id, `approve ${command.id}`, approvalRefusal(await store.restarts.get(command.id), command.id, user));

  await showRequest(chat, approved, log, { decided: true });
  if (approved.state === 'pending') {
    const message = `Your approval of request ${approved.id} is recorded (${approved.approvedBy.length} of ${approved.approvalsRequired}).`;
    await whisper({ text: `✅ ${message}` });
    return { kind: 'answered', command };
  }

  const jobId = `restart-rollout-${approved.id}`;
  try {
    const ts = await chat.post(approved.channel, approvedMessage(approved), approved.threadTs);
    const reply = { channel: approved.channel, ts, threadTs: approved.threadTs };
    await queue.enqueue({ command, requester: { user, channel }, reply, request: approved.id }, jobId, { job: 'restart-rollout' });
    await store.restarts.setJob(approved.id, jobId);
  } catch (error) {
    log.error({ err: error, request: approved.id }, 'could not start the rollout job');
    const message = 'Approved, but carbon-ops cannot reach its job queue (Redis), so the restart was not started. Ask again in a minute.';
    const failed = await store.restarts.finish(approved.id, 'failed', 'the job queue was unreachable; nothing was done', jobId).catch(() => undefined);
    if (failed !== undefined) await showRequest(chat, failed, log);
    await whisper(refusal(message)).catch(() => undefined);
    return { kind: 'unavailable', message };
  }
  log.info({ request: approved.id, approver: user, jobId }, 'restart approved');
  return { kind: 'queued', command, jobId };
};

/** `deny ID` and the Deny button: the requester cancels, or an approver denies; only while pending. */
export const answerDeny: Answer<DenyCommand> = async (command, ctx) => {
  const { deps, request, whisper } = ctx;
  const { store, chat, policy, log } = deps;
  const user = request.actor.user;
  await expireDue(ctx);
  const asApprover = policy.authorize('approve', request.actor).allowed;
  let rejected: RestartRequest | undefined;
  try {
    rejected = await store.restarts.reject(command.id, user, request.actor.channel.id, asApprover, command.reason);
  } catch (error) {
    if (!(error instanceof AuditUnavailable)) throw error;
    await whisper(refusal(AUDIT_DOWN));
    return { kind: 'unavailable', message: AUDIT_DOWN };
  }
  if (rejected === undefined) return refuse(ctx, command.id, `deny ${command.id}`, denyRefusal(await store.restarts.get(command.id), command.id, user, asApprover));
  await showRequest(chat, rejected, log, { decided: true });
  const verb = user === rejected.requestedBy ? 'Cancelled' : 'Denied';
  await chat.post(rejected.channel, { text: `🛑 ${verb} by <@${user}>${command.reason ? `: ${escapeMrkdwn(command.reason)}` : ''}. Nothing was restarted.` }, rejected.threadTs).catch(() => undefined);
  return { kind: 'answered', command };
};

/** A decision that did not count: recorded in the audit trail and explained to the person only. */
async function refuse({ deps, request, whisper }: AnswerContext, id: string, line: string, why: string): Promise<Outcome> {
  const stored = await deps.store.restarts.get(id);
  const actor = request.actor.user;
  const entry: AuditEntry = stored
    ? deps.store.restarts.auditEntry(stored, { actor, channel: request.actor.channel.id, approver: actor, command: line, outcome: 'refused', detail: why })
    : { actor, channel: request.actor.channel.id, action: 'restart', command: line, outcome: 'refused', detail: why, requestId: id };
  await deps.store.audit.record(entry).catch((error: unknown) => deps.log.error({ err: error }, 'audit write failed for a refusal'));
  await whisper(refusal(why));
  return { kind: 'denied', message: why };
}

async function expireDue({ deps }: AnswerContext): Promise<void> {
  for (const expired of await deps.store.restarts.expireDue()) await showRequest(deps.chat, expired, deps.log, { decided: true });
}

import type { ApproveCommand, DenyCommand } from '../contracts/commands.js';
import { approvalRefusal, denyRefusal, showRequest, type ApprovalKind } from '../approvals/index.js';
import { anyRequestNoun, findRequest } from '../app/approval-kinds.js';
import { failRequest } from '../approvals/fail.js';
import { enqueueFollowUp, followUpState } from '../approvals/recover.js';
import { escapeMrkdwn } from '../message.js';
import { refusal } from '../jobs/replies.js';
import type { ApprovalRequest } from '../approvals/store.js';
import { AuditUnavailable, type AuditEntry } from '../store/audit-log.js';
import type { Answer, AnswerContext } from './dispatch.js';
import type { Outcome } from './dispatch.js';

// The answers of `approve` and `deny` (their specs are in approval.ts). They reach every approval kind's action
// (restart rollouts, Vault migrations, phase applies, with their clients): approval.ts loads this module on first
// use, so the command table (help, the parser) loads none of it.

/**
 * A click this long after the approval, on a request still `approved`, looks for its follow-up job (not a double
 * click).
 */
const RESUME_AFTER_MS = 10_000;

const AUDIT_DOWN =
  'The audit trail cannot be written right now, so your decision was not recorded and nothing was done. ' +
  'Try again in a minute.';

/** Names an id that matches no request of any kind. */
const nobody = { noun: anyRequestNoun(), thing: () => '', askAgain: '' };

/**
 * `approve ID` and the Approve button, for a request of any kind (src/approvals). The decision is one
 * conditional UPDATE (pending, unexpired, not the requester, not twice by one person) with its audit
 * row: a double click or two approvers at once act once. The last approval needed starts the kind's
 * follow-up job (a rollout, a migration).
 */
export const answerApprove: Answer<ApproveCommand> = async (command, ctx) => {
  const { deps, request, whisper } = ctx;
  const { store, chat, queue, log } = deps;
  const user = request.actor.user;
  const channel = request.actor.channel.id;

  const found = await findRequest(store, command.id);
  if (found === undefined)
    return refuse(
      ctx,
      undefined,
      command.id,
      `approve ${command.id}`,
      approvalRefusal(nobody, undefined, command.id, user),
    );
  const { kind } = found;
  const requests = kind.requests(store);
  await settleIfOverdue(ctx, kind, command.id);
  let approved: ApprovalRequest | undefined;
  try {
    approved = await requests.approve(command.id, user, channel);
  } catch (error) {
    if (!(error instanceof AuditUnavailable)) throw error;
    log.error({ err: error, request: command.id }, 'approval not recorded: audit unavailable');
    await whisper(refusal(AUDIT_DOWN));
    return { kind: 'unavailable', message: AUDIT_DOWN };
  }
  if (approved === undefined) {
    const stored = await requests.get(command.id);
    if (
      stored?.state === 'approved' &&
      stored.decidedAt !== undefined &&
      Date.now() - stored.decidedAt.getTime() >= RESUME_AFTER_MS
    ) {
      const resumed = await resumeFollowUp(ctx, kind, stored);
      if (resumed !== undefined) return resumed;
    }
    return refuse(ctx, kind, command.id, `approve ${command.id}`, approvalRefusal(kind, stored, command.id, user));
  }

  await showRequest(chat, kind, approved, log, { decided: true });
  if (approved.state === 'pending') {
    const message =
      `Your approval of request ${approved.id} is recorded (${approved.approvedBy.length} ` +
      `of ${approved.approvalsRequired}).`;
    await whisper({ text: `✅ ${message}` });
    return { kind: 'answered', command };
  }

  const jobId = `${kind.followUp}-${approved.id}`;
  let ts: string;
  try {
    ts = await chat.post(approved.channel, kind.approvedMessage(approved), approved.threadTs);
  } catch (error) {
    // Slack, not the queue: the approval stands; the follow-up is started by the sweep or another Approve click.
    log.error({ err: error, request: approved.id }, 'approved, but the approval could not be posted in the thread');
    const message =
      `Your approval of request ${approved.id} is recorded, ` +
      `but Slack refused the message that starts the ${kind.thing(approved)}; ` +
      'it will be started by carbon-ops within a few minutes, or click Approve again in a minute.';
    await whisper(refusal(message)).catch(() => undefined);
    return { kind: 'unavailable', message };
  }
  try {
    const reply = { channel: approved.channel, ts, threadTs: approved.threadTs };
    await queue.enqueue({ job: kind.followUp, requester: { user, channel }, reply, request: approved.id }, jobId);
  } catch (error) {
    log.error({ err: error, request: approved.id }, `could not start the ${kind.followUp} job`);
    const message =
      'Approved, but carbon-ops cannot reach its job queue (Redis), ' +
      `so the ${kind.thing(approved)} was not started. Ask again in a minute.`;
    const result = 'the job queue was unreachable; nothing was done';
    await failRequest(kind, { store, chat, log }, { id: approved.id, result, jobId });
    await whisper(refusal(message)).catch(() => undefined);
    return { kind: 'unavailable', message };
  }
  // The job is queued: a failure to note its id changes nothing (the follow-up's id is fixed and `begin` records it).
  await requests
    .setJob(approved.id, jobId)
    .catch((error: unknown) => log.warn({ err: error, request: approved.id }, 'could not record the job id'));
  log.info({ request: approved.id, approver: user, jobId }, `${kind.action} approved`);
  return { kind: 'queued', command, jobId };
};

/** `deny ID` and the Deny button: the requester cancels, or an approver denies; only while pending. */
export const answerDeny: Answer<DenyCommand> = async (command, ctx) => {
  const { deps, request, whisper } = ctx;
  const { store, chat, policy, log } = deps;
  const user = request.actor.user;
  const asApprover = policy.authorize('approve', request.actor).allowed;
  const found = await findRequest(store, command.id);
  if (found === undefined)
    return refuse(
      ctx,
      undefined,
      command.id,
      `deny ${command.id}`,
      denyRefusal(nobody, undefined, command.id, user, asApprover),
    );
  const { kind } = found;
  const requests = kind.requests(store);
  await settleIfOverdue(ctx, kind, command.id);
  let rejected: ApprovalRequest | undefined;
  try {
    rejected = await requests.reject(command.id, user, request.actor.channel.id, asApprover, command.reason);
  } catch (error) {
    if (!(error instanceof AuditUnavailable)) throw error;
    await whisper(refusal(AUDIT_DOWN));
    return { kind: 'unavailable', message: AUDIT_DOWN };
  }
  if (rejected === undefined)
    return refuse(
      ctx,
      kind,
      command.id,
      `deny ${command.id}`,
      denyRefusal(kind, await requests.get(command.id), command.id, user, asApprover),
    );
  await showRequest(chat, kind, rejected, log, { decided: true });
  const verb = user === rejected.requestedBy ? 'Cancelled' : 'Denied';
  await chat
    .post(
      rejected.channel,
      {
        text:
          `🛑 ${verb} by <@${user}>${command.reason ? `: ${escapeMrkdwn(command.reason)}` : ''}. ` +
          `${kind.nothingDone}`,
      },
      rejected.threadTs,
    )
    .catch(() => undefined);
  return { kind: 'answered', command };
};

/**
 * A click on a request approved a while ago (RESUME_AFTER_MS: not the second click of a double click)
 * whose follow-up job is missing, e.g. the process died between saving the approval and enqueueing it:
 * the job is enqueued again (fixed id, so it runs once). Undefined when its job is there (or ended):
 * the caller explains, as for any second click.
 */
async function resumeFollowUp(
  ctx: AnswerContext,
  kind: ApprovalKind,
  stored: ApprovalRequest,
): Promise<Outcome | undefined> {
  const { deps, request, whisper } = ctx;
  if ((await followUpState(deps.queue, kind, stored)) !== 'missing') return undefined;
  const jobId = await enqueueFollowUp(kind, stored, deps, {
    user: request.actor.user,
    channel: request.actor.channel.id,
  });
  deps.log.warn(
    { request: stored.id, jobId, by: request.actor.user },
    `${kind.action} approved earlier but never started: follow-up enqueued again`,
  );
  await whisper({
    text:
      `▶️ Request ${stored.id} was already approved but the ${kind.thing(stored)} had not started (its job ` +
      'was lost); it is starting now.',
  });
  return { kind: 'queued', command: { name: 'approve', id: stored.id }, jobId };
}

/** A decision that did not count: recorded in the audit trail and explained to the person only. */
async function refuse(
  { deps, request, whisper }: AnswerContext,
  kind: ApprovalKind | undefined,
  id: string,
  line: string,
  why: string,
): Promise<Outcome> {
  const requests = kind?.requests(deps.store);
  const stored = await requests?.get(id);
  const actor = request.actor.user;
  const entry: AuditEntry =
    requests && stored
      ? requests.auditEntry(stored, {
          actor,
          channel: request.actor.channel.id,
          approver: actor,
          command: line,
          outcome: 'refused',
          detail: why,
        })
      : {
          actor,
          channel: request.actor.channel.id,
          action: kind?.action ?? 'restart',
          command: line,
          outcome: 'refused',
          detail: why,
          requestId: id,
        };
  await deps.store.audit
    .record(entry)
    .catch((error: unknown) => deps.log.error({ err: error }, 'audit write failed for a refusal'));
  await whisper(refusal(why));
  return { kind: 'denied', message: why };
}

/**
 * The request a person acts on, if it ran out a moment ago and neither its expiry job nor the sweep has
 * settled it yet: it expires now (with its audit row) and its thread shows it, so the refusal says
 * "expired" and the buttons go. Only this request: the sweep (a scheduled job) does the rest.
 */
async function settleIfOverdue(ctx: AnswerContext, kind: ApprovalKind, id: string): Promise<void> {
  const { store, chat, log } = ctx.deps;
  for (const expired of await kind.requests(store).expireDue(id)) {
    await showRequest(chat, kind, expired, log, { decided: true });
  }
}

import type { JobDeps } from '../jobs/job.js';
/**
 * Requests that lost their follow-up job. An approval is saved, then its follow-up job is enqueued: a
 * process that dies in between leaves the request `approved` with no job; a worker that dies mid-run
 * too often leaves it `running` with a job BullMQ marked failed. Either way the request holds its
 * target (the one-open-request index) and every later request for it is refused. These functions find
 * such requests and either start their follow-up again (it has a fixed id `<job>-<request id>`, so
 * enqueueing it twice runs it once) or end them as failed, with the audit row.
 */
import type { Chat } from '../integrations/slack.js';
import type { Requester } from '../contracts/jobs.js';
import type { CommandQueue } from '../jobs/queue.js';
import type { Logger } from '../log.js';
import type { ApprovalRequest } from './store.js';
import { showRequest, type ApprovalKind } from './index.js';
import { workerLostMessage, workerLostResult } from './render.js';

/** How long an `approved` request may wait for its follow-up job before the sweep looks for the job. */
export const APPROVED_STUCK_AFTER_SEC = 60;

/** BullMQ states in which the follow-up job will still run (or is running). */
const ALIVE = new Set(['active', 'waiting', 'waiting-children', 'delayed', 'prioritized']);

export type JobState = 'alive' | 'ended' | 'missing';

/** The id of a request's follow-up job: the one it started (running) or the fixed one. */
export const followUpJobId = (kind: Pick<ApprovalKind, 'followUp'>, request: ApprovalRequest): string =>
  request.jobId ?? `${kind.followUp}-${request.id}`;

/**
 * Whether the follow-up job of `request` is still to run, ended (failed, or completed without finishing the request),
 * or gone.
 */
export async function followUpState(
  queue: CommandQueue,
  kind: Pick<ApprovalKind, 'followUp'>,
  request: ApprovalRequest,
): Promise<JobState> {
  const job = await queue.queue.getJob(followUpJobId(kind, request));
  if (job === undefined) return 'missing';
  const state = await job.getState();
  if (state === 'unknown') return 'missing';
  return ALIVE.has(state) ? 'alive' : 'ended';
}

/**
 * Enqueues the follow-up job of an `approved` request again, announced in its thread. Idempotent: the
 * job id is fixed, so when the job exists BullMQ ignores the add. Returns the job id.
 */
export async function enqueueFollowUp(
  kind: ApprovalKind,
  request: ApprovalRequest,
  deps: { queue: CommandQueue; chat: Chat; store: JobDeps['store'] },
  by: Requester,
): Promise<string> {
  const jobId = `${kind.followUp}-${request.id}`;
  const ts = await deps.chat.post(request.channel, kind.approvedMessage(request), request.threadTs);
  const reply = { channel: request.channel, ts, threadTs: request.threadTs };
  await deps.queue.enqueue({ job: kind.followUp, requester: by, reply, request: request.id }, jobId);
  await kind.requests(deps.store).setJob(request.id, jobId);
  return jobId;
}

/**
 * One kind's requests that lost their follow-up job, found by the sweep (`sweepApprovals`) and by a planning
 * job before it plans: an `approved` request older than
 * `approvedForSec` whose follow-up job is missing gets it enqueued again; one whose job ended (failed
 * before it began) and a `running` one whose job failed or is gone are finished as failed ("worker
 * lost"), with the audit row, which frees their target. Best effort per request: a queue or Slack
 * error is logged and the sweep goes on.
 */
export async function recoverStuckOf<R extends ApprovalRequest>(
  kind: ApprovalKind<R>,
  deps: { store: JobDeps['store']; queue: CommandQueue; chat: Chat; log: Logger },
  approvedForSec = APPROVED_STUCK_AFTER_SEC,
): Promise<void> {
  if (deps.queue.isPrivate) return;
  for (const request of await kind.requests(deps.store).stuck(approvedForSec)) {
    await recoverRequest(kind as unknown as ApprovalKind, request, deps);
  }
}

/**
 * One stuck request: its follow-up enqueued again, or finished as failed ("worker lost"), or left alone.
 */
async function recoverRequest(
  kind: ApprovalKind,
  request: ApprovalRequest,
  deps: { store: JobDeps['store']; queue: CommandQueue; chat: Chat; log: Logger },
): Promise<void> {
  const { queue, chat, log, store } = deps;
  try {
    const state = await followUpState(queue, kind, request);
    if (state === 'alive') return;
    const jobId = followUpJobId(kind, request);
    if (request.state === 'approved' && state === 'missing') {
      log.warn(
        { request: request.id, jobId },
        `${kind.noun} approved but its follow-up job is missing: enqueued again`,
      );
      await enqueueFollowUp(
        kind,
        request,
        { queue, chat, store },
        { user: request.decidedBy ?? request.requestedBy, channel: request.channel },
      );
      return;
    }
    const running = request.state === 'running' ? kind.thing(request) : undefined;
    const result = workerLostResult(jobId, state === 'missing' ? 'gone' : 'ended', running);
    const finished = await kind.requests(store).finish(request.id, 'failed', result, jobId);
    if (finished === undefined) return; // finished by its job a moment ago
    log.warn({ request: request.id, jobId, state }, `${kind.noun} finished as failed: worker lost`);
    await showRequest(chat, kind, finished, log);
    await chat
      .post(finished.channel, workerLostMessage(finished.id, result), finished.threadTs)
      .catch((error: unknown) => log.warn({ err: error }, 'could not post in the thread'));
  } catch (error) {
    log.warn({ err: error, request: request.id }, `could not check the follow-up job of ${kind.noun} ${request.id}`);
  }
}

/**
 * Settles this kind's requests that hold a target for nothing: overdue ones expire (shown in their
 * threads, the buttons go), and ones whose follow-up job was lost get it again or end as failed. A planning
 * job runs it first, so a request that ran out, or whose worker died, does not refuse the new one; the
 * sweep (a scheduled job) does the same for every kind.
 */
export async function settleOverdue<R extends ApprovalRequest>(
  kind: ApprovalKind<R>,
  deps: { store: JobDeps['store']; chat: Chat; queue: CommandQueue; log: Logger },
): Promise<void> {
  for (const request of await kind.requests(deps.store).expireDue()) {
    await showRequest(deps.chat, kind, request, deps.log, { decided: true });
  }
  await recoverStuckOf(kind, deps);
}

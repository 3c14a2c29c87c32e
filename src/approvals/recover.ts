import type { JobDeps } from '../jobs/job.js';
/**
 * Requests that lost their follow-up job. An approval is saved, then its follow-up job is enqueued: a
 * process that dies in between leaves the request `approved` with no job; a worker that dies mid-run
 * too often leaves it `running` with a job BullMQ marked failed; a Redis restart without persistence
 * leaves it `running` with no job at all. Either way the request holds its target (the one-open-request
 * index) and every later request for it is refused. These functions find such requests and settle
 * each from what the world shows: a follow-up whose work is done (read from the cluster) is finished
 * with that outcome; one whose job is gone is started again (every follow-up resumes safely from what
 * it recorded); the rest end as failed, with the audit row.
 */
import type { Chat } from '../integrations/slack.js';
import type { Requester } from '../contracts/jobs.js';
import type { CommandQueue } from '../jobs/queue.js';
import type { Message } from '../message.js';
import type { ApprovalRequest } from './store.js';
import { showRequest, type ApprovalKind } from './index.js';
import { recordLateFailures } from './fail.js';
import {
  lossNote,
  recoveredMessage,
  resumedMessage,
  workerLostMessage,
  workerLostResult,
  type JobLoss,
} from './render.js';

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
 * Where the work of a `running` request whose follow-up job was lost stands, read from the world (the
 * cluster): done, with its outcome, or not (with what was seen, for the thread).
 */
export type LostOutcome =
  { done: true; state: 'succeeded' | 'failed'; result: string; from: string } | { done: false; seen: string };

/** What the recovery needs of a kind (a GatedAction has it): its words and jobs, and its outcome reader. */
export interface Recoverable<R extends ApprovalRequest = ApprovalRequest> {
  kind: ApprovalKind<R>;
  /** Reads a lost follow-up's outcome from the world; without it, a lost follow-up is resumed or failed. */
  outcome?(deps: JobDeps, request: R): Promise<LostOutcome>;
}

/**
 * One kind's requests that lost their follow-up job (`stuck`: approved a while ago, or running), found by
 * settleOverdue for the sweep and for a planning job before it plans. An `approved` request whose follow-up
 * job is missing gets it enqueued again; one whose job ended (failed before it began) is finished as failed.
 * A `running` one whose job is not alive: finished with the outcome the world shows when its work is
 * done; else, when its job is gone (Redis lost it), resumed by a new follow-up job; else (its job
 * failed) finished as failed, with why its job failed when it is known. Each with its audit row, which
 * frees the target. Best effort per request: a queue, cluster or Slack error is logged and the sweep goes on.
 */
async function recoverStuck<R extends ApprovalRequest>(
  action: Recoverable<R>,
  deps: JobDeps,
  stuck: readonly R[],
): Promise<void> {
  if (deps.queue.isPrivate) return;
  for (const request of stuck) {
    try {
      await recoverRequest(action as unknown as Recoverable, request, deps);
    } catch (error) {
      deps.log.warn(
        { err: error, request: request.id },
        `could not recover ${action.kind.noun} ${request.id}: the next sweep tries again`,
      );
    }
  }
}

/** One stuck request: settled from the world, resumed, enqueued again, finished as failed, or left alone. */
async function recoverRequest(action: Recoverable, request: ApprovalRequest, deps: JobDeps): Promise<void> {
  const { kind } = action;
  const state = await followUpState(deps.queue, kind, request);
  if (state === 'alive') return;
  if (request.state === 'approved' && state === 'missing') {
    const jobId = await enqueueFollowUp(kind, request, deps, deciderOf(request));
    deps.log.warn(
      { request: request.id, jobId },
      `${kind.noun} approved but its follow-up job is missing: enqueued again`,
    );
    return;
  }
  const outcome = request.state === 'running' ? await readOutcome(action, request, deps) : undefined;
  if (request.state === 'running' && state === 'missing' && !outcome?.done)
    return resume(kind, request, outcome?.seen, deps);
  const loss = await lossOf(deps.queue, followUpJobId(kind, request), state);
  if (outcome?.done) return finishFromWorld(kind, request, outcome, loss, state, deps);
  await finishAsLost(kind, request, loss, state, outcome?.seen, deps);
}

/** BullMQ's failedReason of a job failed after too many stalls: its worker died mid-run. */
const STALLED = 'job stalled more than allowable limit';

/**
 * How the follow-up job was lost: gone, or, when it ended, why, read from its failedReason: PostgreSQL
 * unreachable (RequestLeftOpen, approvals/fail.ts), its worker died (BullMQ's stall limit, or the
 * registry's StalledTooOften: "its worker stopped"), else unknown (`ended`).
 */
async function lossOf(queue: CommandQueue, jobId: string, state: JobState): Promise<JobLoss> {
  if (state !== 'ended') return { how: 'gone' };
  const reason = (await queue.queue.getJob(jobId).catch(() => undefined))?.failedReason ?? '';
  const unreachable = /^PostgreSQL was unreachable \([A-Za-z0-9 _]+\)/.exec(reason);
  if (unreachable !== null) return { how: 'failed', cause: unreachable[0] };
  if (reason === STALLED || reason.includes('(its worker stopped)')) return { how: 'died' };
  return { how: 'ended' };
}

/** The kind's reading of the world, or undefined when it has none or it failed (logged). */
async function readOutcome(
  action: Recoverable,
  request: ApprovalRequest,
  deps: JobDeps,
): Promise<LostOutcome | undefined> {
  if (action.outcome === undefined) return undefined;
  try {
    return await action.outcome(deps, request);
  } catch (error) {
    deps.log.warn(
      { err: error, request: request.id },
      `could not read the outcome of ${action.kind.noun} ${request.id}`,
    );
    return undefined;
  }
}

/**
 * A running request whose work the world shows done: finished with that outcome and its audit row, and
 * said so where its job would have: the lost job's own message when BullMQ still has it, else the thread.
 */
async function finishFromWorld(
  kind: ApprovalKind,
  request: ApprovalRequest,
  outcome: Extract<LostOutcome, { done: true }>,
  loss: JobLoss,
  state: JobState,
  deps: JobDeps,
): Promise<void> {
  const jobId = followUpJobId(kind, request);
  const result = `${outcome.result}; ${lossNote(loss)}, the outcome was read from ${outcome.from}`;
  const finished = await kind.requests(deps.store).finish(request.id, outcome.state, result, jobId);
  if (finished === undefined) return; // finished by its job a moment ago
  deps.log.warn(
    { request: request.id, jobId, state: outcome.state },
    `${kind.noun} finished from what ${outcome.from} shows: ${lossNote(loss)}`,
  );
  await showRequest(deps.chat, kind, finished, deps.log);
  await tell(deps, finished, recoveredMessage(finished.id, kind.thing(finished), outcome.state, result), jobId, state);
}

/**
 * A running request whose job is gone from the queue (Redis lost it): a new follow-up job resumes it
 * from what it recorded, announced in the thread. Its id (`<job>-<request>-r<n>`) is new, so a worker
 * still running the lost job finds it gone and stops (jobs/runner.ts), and deterministic, so two
 * recoveries at once enqueue it once.
 */
async function resume(kind: ApprovalKind, request: ApprovalRequest, seen: string | undefined, deps: JobDeps) {
  const lost = followUpJobId(kind, request);
  const jobId = nextFollowUpJobId(kind, request);
  const ts = await deps.chat.post(
    request.channel,
    resumedMessage(request.id, kind.thing(request), lost, seen),
    request.threadTs,
  );
  const reply = { channel: request.channel, ts, threadTs: request.threadTs };
  await deps.queue.enqueue({ job: kind.followUp, requester: deciderOf(request), reply, request: request.id }, jobId);
  await kind.requests(deps.store).setJob(request.id, jobId);
  deps.log.warn({ request: request.id, lost, jobId }, `${kind.noun} running but its job is gone: resumed`);
}

/** A request whose job ended without finishing it, and whose work the world does not show done: failed. */
async function finishAsLost(
  kind: ApprovalKind,
  request: ApprovalRequest,
  loss: JobLoss,
  state: JobState,
  seen: string | undefined,
  deps: JobDeps,
): Promise<void> {
  const jobId = followUpJobId(kind, request);
  const running = request.state === 'running' ? kind.thing(request) : undefined;
  const result = workerLostResult(jobId, loss, running, seen);
  const finished = await kind.requests(deps.store).finish(request.id, 'failed', result, jobId);
  if (finished === undefined) return; // finished by its job a moment ago
  deps.log.warn({ request: request.id, jobId, state }, `${kind.noun} finished as failed: ${lossNote(loss)}`);
  await showRequest(deps.chat, kind, finished, deps.log);
  await tell(deps, finished, workerLostMessage(finished.id, result), jobId, state);
}

/** Says `message` in the lost job's own reply when BullMQ still has the job (it ended), else in the thread. */
async function tell(
  deps: JobDeps,
  request: ApprovalRequest,
  message: Message,
  jobId: string,
  state: JobState,
): Promise<void> {
  const job = state === 'ended' ? await deps.queue.queue.getJob(jobId).catch(() => undefined) : undefined;
  const reply = job?.data.reply;
  const said =
    reply !== undefined
      ? deps.chat.update(reply.channel, reply.ts, message)
      : deps.chat.post(request.channel, message, request.threadTs);
  await said.catch((error: unknown) => deps.log.warn({ err: error }, 'could not post in the thread'));
}

/** Who a recovered follow-up acts for: the last approver, as when it was first enqueued. */
const deciderOf = (request: ApprovalRequest): Requester => ({
  user: request.decidedBy ?? request.requestedBy,
  channel: request.channel,
});

/** The id of the follow-up that resumes a request whose job was lost: `<job>-<request>-r<n+1>`. */
export function nextFollowUpJobId(kind: Pick<ApprovalKind, 'followUp'>, request: ApprovalRequest): string {
  const base = `${kind.followUp}-${request.id}`;
  const current = followUpJobId(kind, request);
  const n = current.startsWith(`${base}-r`) ? Number(current.slice(base.length + 2)) || 0 : 0;
  return `${base}-r${n + 1}`;
}

/**
 * Settles this kind's requests that hold a target for nothing, and writes the `failed` audit rows the
 * audit refused (approvals/fail.ts): overdue ones expire (shown in their threads, the buttons go), and
 * ones whose follow-up job was lost are settled (recoverStuck). A planning job runs it first, so a request
 * that ran out, or whose worker died, does not refuse the new one; the sweep (a scheduled job) does the
 * same for every kind. One read-only statement finds what there is to do (mostly nothing); the steps that
 * act are conditional or lock the request (store.ts), so two sweeps at once act once.
 */
export async function settleOverdue<R extends ApprovalRequest>(
  action: Recoverable<R>,
  deps: JobDeps,
  approvedForSec = APPROVED_STUCK_AFTER_SEC,
): Promise<void> {
  const requests = action.kind.requests(deps.store);
  const found = await requests.toSettle(approvedForSec);
  if (found.unaudited.length > 0) await recordLateFailures(action.kind, deps, found.unaudited);
  if (found.due) {
    for (const request of await requests.expireDue()) {
      await showRequest(deps.chat, action.kind, request, deps.log, { decided: true });
    }
  }
  await recoverStuck(action, deps, found.stuck);
}

/**
 * The approval-gated action, named once per kind: a planning job makes the pre-flight plan and stores
 * the request, the approvals come from handlers/approval.ts, a follow-up job acts, an expiry job ends
 * a request nobody approved in time, and the sweep (approvals-sweep) recovers requests whose job was
 * lost. A kind (restart, Vault migration, phase apply) gives its words, its plan and its act;
 * `gatedJobs` turns that one definition into its three jobs with the same lifecycle.
 */
import type { Config } from '../config.js';
import type { DataOf, JobData, JobName, RequestJobName } from '../contracts/jobs.js';
import { ReportedFailure, UserError } from '../errors.js';
import type { JobContext, JobDefinition, JobDeps } from '../jobs/job.js';
import type { Message } from '../message.js';
import { AuditUnavailable } from '../store/audit-log.js';
import { approvalExpireJob } from './expire-job.js';
import { newApproval, postPlan, scheduleFollowUp, showRequest, type ApprovalKind } from './index.js';
import { failRequest, postgresUnreachable, RequestLeftOpen } from './fail.js';
import { settleOverdue, type LostOutcome } from './recover.js';
import { RequestBusy, threadLink, type ApprovalRequest, type NewApproval } from './store.js';

/** A job that plans a request: one that carries a command. */
export type PlanningJobName = Exclude<JobName, RequestJobName>;

/** Records the refusal in the audit trail, then throws it to the requester (a string is a UserError). */
export type Refuse = (why: string | UserError) => Promise<never>;

/** What a plan stores: the request with the approval columns, refused when its target is already held. */
export interface Draft<R extends ApprovalRequest> {
  create(approval: NewApproval, jobId: string): Promise<{ request: R; created: boolean }>;
  /** The refusal when another open request holds the target (the repository throws RequestBusy). */
  busy(holder: R): string;
  /** Logged with the request. */
  log: Record<string, unknown>;
}

export interface GatedAction<
  R extends ApprovalRequest,
  P extends PlanningJobName,
  F extends RequestJobName = RequestJobName,
  E extends RequestJobName = RequestJobName,
> {
  /** The words and messages of the kind, and its follow-up and expiry jobs. */
  kind: ApprovalKind<R> & { followUp: F; expireJob: E };
  /** How a refusal of the planning job reads in the audit trail: the command line, target and reason. */
  audit(ctx: JobContext<DataOf<P>>): { command: string; target: string; reason?: string };
  /** Minutes until an unapproved request expires. */
  expiryMinutes(config: Config): number;
  /** The pre-flight: reads what it needs, changes nothing, refuses with `refuse`. */
  plan(ctx: JobContext<DataOf<P>>, refuse: Refuse): Promise<Draft<R>>;
  /** The follow-up's conditional start: records what is about to be done, with the `started` audit row. */
  begin(ctx: JobContext, request: R): Promise<R | undefined>;
  /** For "The audit trail cannot be written, so …": e.g. `the restart of deployment/x was NOT started`. */
  notStarted(request: R): string;
  /** The action itself, once the request is running; `resumed` when an earlier run had started it. */
  act(ctx: JobContext, request: R, resumed: boolean): Promise<Message>;
  /** The result a re-run shows when it finds the request already succeeded; without it, "nothing to run". */
  done?(ctx: JobContext, request: R): Promise<Message>;
  /**
   * For the sweep, when the follow-up of a running request was lost (its worker, or Redis): where the work
   * stands, read from the world. Done: the request is finished with that outcome. Not done: a follow-up
   * whose job is gone is resumed (every follow-up resumes safely), one whose job failed is "worker lost".
   * Without it, the same minus the reading.
   */
  outcome?(deps: JobDeps, request: R): Promise<LostOutcome>;
  /** The follow-up's retries and takeovers after a dead worker (see JobDefinition). */
  followUp: { attempts: number; stallsAllowed?: number };
}

/** The three jobs of a kind: the planning job, the follow-up after the approvals, the expiry. */
export function gatedJobs<
  R extends ApprovalRequest,
  P extends PlanningJobName,
  F extends RequestJobName,
  E extends RequestJobName,
>(action: GatedAction<R, P, F, E>): { plan: JobDefinition<P>; followUp: JobDefinition<F>; expiry: JobDefinition<E> } {
  return {
    plan: { attempts: 2, run: (ctx) => planRequest(action, ctx) },
    followUp: { ...action.followUp, run: (ctx) => runFollowUp(action, ctx) },
    expiry: approvalExpireJob(() => action.kind),
  };
}

/**
 * The planning job: settles this kind's overdue and lost requests (so they do not hold the target),
 * plans, stores the request (one open request per target), posts the plan with Approve and Deny, and
 * schedules its expiry (or its follow-up, when the policy asks for no approval). A retried job finds
 * the request it made by its origin job.
 */
async function planRequest<R extends ApprovalRequest, P extends PlanningJobName>(
  action: GatedAction<R, P, RequestJobName, RequestJobName>,
  ctx: JobContext<DataOf<P>>,
): Promise<Message> {
  const { jobId, deps, log } = ctx;
  const data: JobData = ctx.data;
  const { kind } = action;
  const refuse = refuser(ctx, kind.action, action.audit(ctx));
  await settleOverdue(action, { ...deps, log });
  const draft = await action.plan(ctx, refuse);
  let created;
  try {
    created = await draft.create(newApproval(jobId, data, action.expiryMinutes(deps.config)), jobId);
  } catch (error) {
    if (error instanceof RequestBusy) return refuse(draft.busy(error.holder as R));
    throw error; // includes AuditUnavailable: no request without its audit row
  }
  const request = await postPlan(kind, created.request, deps);
  log.info(
    { request: request.id, ...draft.log },
    created.created ? `${kind.noun} created` : `${kind.noun} found (retried job)`,
  );
  await scheduleFollowUp(kind, request, deps, data.requester);
  return kind.statusMessage(request);
}

function refuser(ctx: JobContext, action: string, what: { command: string; target: string; reason?: string }): Refuse {
  const { jobId, data, deps, log } = ctx;
  const entry = {
    actor: data.requester.user,
    channel: data.requester.channel,
    action,
    ...what,
    outcome: 'refused' as const,
    jobId,
    threadLink: threadLink(data.reply.channel, data.reply.threadTs ?? data.reply.ts),
    cluster: deps.cluster.name,
  };
  return async (why) => {
    const error = typeof why === 'string' ? new UserError(why) : why;
    await deps.store.audit
      .record({ ...entry, detail: error.message })
      .catch((e: unknown) => log.error({ err: e }, 'audit write failed for a refusal'));
    throw error;
  };
}

/**
 * The follow-up job, after the last approval. Safe to run twice and to resume: `begin` is a conditional
 * UPDATE with its audit row, so one run starts the request; a run that finds it running resumes. When
 * the audit trail cannot be written nothing is done and the request ends as failed. A refusal, or an
 * internal error on the last attempt (loading or starting the request included), finishes the request as
 * failed (approvals/fail.ts); when PostgreSQL is too unreachable for that, the job fails saying so
 * (RequestLeftOpen), and the sweep that ends the request later names that cause.
 */
async function runFollowUp<R extends ApprovalRequest, P extends PlanningJobName>(
  action: GatedAction<R, P, RequestJobName, RequestJobName>,
  ctx: JobContext,
): Promise<Message> {
  try {
    return await followUp(action, ctx);
  } catch (error) {
    if (error instanceof UserError || !ctx.lastAttempt) throw error;
    const { deps, log, jobId } = ctx;
    const id = (ctx.data as DataOf<RequestJobName>).request;
    const result = error instanceof AuditUnavailable ? 'the audit trail could not be written' : 'internal error';
    const ended = await failRequest(action.kind, { store: deps.store, chat: deps.chat, log }, { id, result, jobId });
    const unreachable = typeof ended === 'object' ? postgresUnreachable(ended.unended) : undefined;
    throw unreachable === undefined ? error : new RequestLeftOpen(unreachable);
  }
}

async function followUp<R extends ApprovalRequest, P extends PlanningJobName>(
  action: GatedAction<R, P, RequestJobName, RequestJobName>,
  ctx: JobContext,
): Promise<Message> {
  const { jobId, deps, log } = ctx;
  const { kind } = action;
  const requests = kind.requests(deps.store);
  const id = (ctx.data as DataOf<RequestJobName>).request;
  let request = await load(kind, requests, id);
  let resumed = request.state === 'running';
  if (request.state === 'approved') {
    const started = await begin(action, ctx, request);
    if (started === undefined) {
      request = await load(kind, requests, id); // another worker started it a moment ago: follow it
      resumed = true;
    } else {
      request = started;
      await showRequest(deps.chat, kind, request, log);
    }
  }
  if (request.state === 'succeeded' && action.done !== undefined) return action.done(ctx, request);
  if (request.state !== 'running')
    throw new UserError(`${capitalized(kind.noun)} ${id} is ${request.state}: nothing to run.`);
  try {
    return await action.act(ctx, request, resumed);
  } catch (error) {
    if (error instanceof UserError && !(error instanceof ReportedFailure))
      await failRequest(kind, { store: deps.store, chat: deps.chat, log }, { id, result: error.message, jobId });
    throw error;
  }
}

/**
 * `begin`, or, when the audit trail cannot be written, nothing: the request ends as failed (with its
 * `failed` row when the audit takes that one, else written late) and the user is told.
 */
async function begin<R extends ApprovalRequest, P extends PlanningJobName>(
  action: GatedAction<R, P, RequestJobName, RequestJobName>,
  ctx: JobContext,
  request: R,
): Promise<R | undefined> {
  const { deps, log, jobId } = ctx;
  try {
    return await action.begin(ctx, request);
  } catch (error) {
    if (!(error instanceof AuditUnavailable)) throw error;
    log.error({ err: error, request: request.id }, `audit unavailable: ${action.kind.noun} not started`);
    const result = 'the audit trail could not be written, so nothing was done';
    const audited = await failRequest(
      action.kind,
      { store: deps.store, chat: deps.chat, log },
      { id: request.id, result, jobId },
    );
    throw new UserError(
      `The audit trail cannot be written, so ${action.notStarted(request)}. Ask again once PostgreSQL accepts writes.` +
        (audited === true ? '' : ' The audit trail will record this failure as soon as it takes writes again.'),
    );
  }
}

async function load<R extends ApprovalRequest>(
  kind: ApprovalKind<R>,
  requests: { get(id: string): Promise<R | undefined> },
  id: string,
): Promise<R> {
  const request = await requests.get(id);
  if (request === undefined) throw new UserError(`No ${kind.noun} ${id}.`);
  return request;
}

const capitalized = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** The planning job's context, for a kind's `plan`. */
export type PlanContext<P extends PlanningJobName> = JobContext<DataOf<P>>;

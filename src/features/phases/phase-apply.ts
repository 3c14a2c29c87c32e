import { showRequest } from '../../approvals/index.js';
import { ReportedFailure, UserError } from '../../errors.js';
import type { Message } from '../../message.js';
import { PHASE_APPLY_KIND } from './approval.js';
import { runPhase, tasksDigest } from './engine.js';
import { plannedPods } from './tasks/cleanup.js';
import { openRunbooks } from './load.js';
import { applySummary, planChangedRefusal, runMessage } from './render.js';
import type { PhaseApply } from './apply-store.js';
import type { JobContext } from '../../jobs/job.js';

/** The follow-up's start, with the `started` audit row and what is about to be done. */
export const beginApply = ({ deps, jobId }: JobContext, request: PhaseApply): Promise<PhaseApply | undefined> =>
  deps.store.phaseApplies.start(
    request.id,
    jobId,
    `applying phase ${request.phase}` +
      `${request.task ? ` task ${request.task}` : ''}${request.force ? ' with --force' : ''}`,
  );

/**
 * After the approvals: the apply itself, task by task (server-side apply with field manager carbon-ops,
 * cleanups, job tasks, checks), each task's state stored as it ends, progress in the thread. Safe to run
 * again: server-side apply is idempotent, a cleanup deletes only failed pods still there, a job task
 * enqueues its job under a fixed id. A retried job finds the request running and runs the tasks again.
 */
export async function applyPhase(ctx: JobContext, request: PhaseApply): Promise<Message> {
  const { jobId, data, deps, progress, log } = ctx;
  const { store, chat, cluster } = deps;
  const id = request.id;
  const runbooks = await openRunbooks(deps);
  const runbook = runbooks.get(request.phase);
  const tasks = runbooks.tasks(runbook, request.task);
  // What is on disk now must be what was approved: a runbook or manifest edited since is refused.
  const digest = tasksDigest(tasks);
  if (request.plan.digest !== digest) throw new UserError(planChangedRefusal(request, digest));
  const result = await runPhase(
    'apply',
    runbook,
    tasks,
    {
      deps,
      jobId,
      actor: request.requestedBy,
      approvers: request.approvedBy,
      requestId: id,
      progress,
      thread: { channel: request.channel, threadTs: request.threadTs },
      ...(data.authorization ? { authorization: data.authorization } : {}),
    },
    { force: request.force, planned: plannedPods(request.plan) },
  );
  const phase = (await store.phases.progress(cluster.name)).find((p) => p.phase === runbook.phase);
  // The apply failed when a step that changes something failed; a failing check is a measurement, reported as such.
  const failed = result.outcomes.filter((o) => o.state === 'failed' && o.kind !== 'check');
  const summary = applySummary(result, phase?.pct ?? 0);
  const finished =
    (await store.phaseApplies.finish(id, failed.length > 0 ? 'failed' : 'succeeded', summary, jobId)) ?? request;
  await showRequest(chat, PHASE_APPLY_KIND, finished, log);
  const message = runMessage(result, phase, {
    cluster: cluster.name,
    simulated: cluster.simulated,
    at: new Date(),
    jobId,
    requestId: id,
  });
  if (failed.length > 0) throw new ReportedFailure(message.text, message);
  return message;
}

import { showRequest } from '../../approvals/index.js';
import { ReportedFailure, UserError } from '../../errors.js';
import { PHASE_APPLY_KIND } from './approval.js';
import { runPhase, tasksDigest } from './engine.js';
import { plannedPods } from './tasks/cleanup.js';
import { openRunbooks } from './load.js';
import { applySummary, planChangedRefusal, runMessage } from './render.js';
import { AuditUnavailable } from '../../store/audit-log.js';
import type { PhaseApply } from './apply-store.js';
import type { JobDefinition } from '../../jobs/job.js';

/**
 * After the approvals: the apply itself, task by task (server-side apply with field manager carbon-ops,
 * cleanups, job tasks, checks), each task's state stored as it ends, progress in the thread. Safe to run
 * again: server-side apply is idempotent, a cleanup deletes only failed pods still there, a job task
 * enqueues its job under a fixed id. A retried job finds the request running and runs the tasks again.
 */
export const phaseApply: JobDefinition<'phase-apply'> = {
  attempts: 2,
  async run({ jobId, data, deps, progress, log, lastAttempt }) {
    const { store, chat, cluster } = deps;
    const id = data.request;
    if (id === undefined) throw new UserError('No phase apply request given.');
    let request = await load(store.phaseApplies, id);
    if (request.state === 'approved') {
      let started: PhaseApply | undefined;
      try {
        started = await store.phaseApplies.start(
          id,
          jobId,
          `applying phase ${request.phase}${request.task ? ` task ${request.task}` : ''}` +
            `${request.force ? ' with --force' : ''}`,
        );
      } catch (error) {
        if (!(error instanceof AuditUnavailable)) throw error;
        await store.phaseApplies
          .abandon(id, 'the audit trail could not be written, so nothing was done')
          .catch(() => undefined);
        throw new UserError(
          `The audit trail cannot be written, so phase ${request.phase} was NOT applied (request ${id}). ` +
            'Ask again once PostgreSQL accepts writes.',
        );
      }
      request = started ?? (await load(store.phaseApplies, id));
      if (started !== undefined) await showRequest(chat, PHASE_APPLY_KIND, request, log);
    }
    if (request.state !== 'running')
      throw new UserError(`Phase apply request ${id} is ${request.state}: nothing to run.`);

    try {
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
    } catch (error) {
      if (error instanceof ReportedFailure || !(error instanceof UserError || lastAttempt)) throw error;
      const finished = await store.phaseApplies
        .finish(id, 'failed', error instanceof UserError ? error.message : 'internal error', jobId)
        .catch(() => undefined);
      if (finished !== undefined) await showRequest(chat, PHASE_APPLY_KIND, finished, log);
      throw error;
    }
  },
};

async function load(requests: { get(id: string): Promise<PhaseApply | undefined> }, id: string): Promise<PhaseApply> {
  const request = await requests.get(id);
  if (request === undefined) throw new UserError(`No phase apply request ${id}.`);
  return request;
}

import { runPhase } from './engine.js';
import { openRunbooks } from './load.js';
import { runMessage } from './render.js';
import type { JobDefinition } from '../../jobs/job.js';

/**
 * `phase verify N`: runs every task's check and stores the result: an apply task is done when a dry run
 * finds its objects in sync, a cleanup when no failed pod is left, a job when it completed, a check when
 * it passes. Changes nothing in the cluster.
 */
export const phaseVerify: JobDefinition<'phase-verify'> = {
  attempts: 2,
  async run({ jobId, data, deps, progress }) {
    const command = data.command;
    const runbooks = await openRunbooks(deps);
    const runbook = runbooks.get(command.phase);
    const tasks = runbooks.tasks(runbook, command.task);
    const result = await runPhase('verify', runbook, tasks, { deps, jobId, actor: data.requester.user, progress });
    const phase = (await deps.store.phases.progress(deps.cluster.name)).find((p) => p.phase === runbook.phase);
    return runMessage(result, phase, {
      cluster: deps.cluster.name,
      simulated: deps.cluster.simulated,
      at: new Date(),
      jobId,
    });
  },
};

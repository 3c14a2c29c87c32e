import { planPhase } from './engine.js';
import { openRunbooks } from './load.js';
import { planMessage } from './render.js';
import type { JobDefinition } from '../../jobs/job.js';

/** `phase plan N`: a server-side dry run (dryRun=All) of every object, with a diff per object. Changes nothing. */
export const phasePlan: JobDefinition<'phase-plan'> = {
  attempts: 2,
  async run({ data, deps, progress }) {
    const command = data.command;
    const runbooks = await openRunbooks(deps);
    const runbook = runbooks.get(command.phase);
    const tasks = runbooks.tasks(runbook, command.task);
    const plan = await planPhase(runbook, tasks, { deps, progress }, { force: false });
    return planMessage(plan);
  },
};

import { UserError } from '../../errors.js';
import { openRunbooks } from './load.js';
import { dashboardMessage, phaseListMessage, phaseStatusMessage } from './render.js';
import type { JobDefinition } from '../../jobs/job.js';

/** `phase list` and `phase status [N]`: the runbooks, and where their tasks stand (PostgreSQL only). */
export const phaseStatus: JobDefinition<'phase-status'> = {
  attempts: 2,
  async run({ data, deps }) {
    const command = data.command;
    const runbooks = await openRunbooks(deps);
    if (command.action === 'list') return phaseListMessage(runbooks);
    const meta = { cluster: deps.cluster.name, simulated: deps.cluster.simulated, at: new Date() };
    const progress = await deps.store.phases.progress(deps.cluster.name);
    if (command.phase === undefined) return dashboardMessage(progress, meta);
    runbooks.get(command.phase);
    const phase = progress.find((p) => p.phase === command.phase);
    if (phase === undefined) throw new UserError(`Phase ${command.phase} has no recorded tasks.`);
    return phaseStatusMessage(phase, meta);
  },
};

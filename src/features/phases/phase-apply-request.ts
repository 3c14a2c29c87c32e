import { approvalsAsked, holdingState } from '../../approvals/index.js';
import type { Draft, PlanContext, Refuse } from '../../approvals/gated-action.js';
import { describeCommand } from '../../commands/spec.js';
import { ReportedFailure, UserError } from '../../errors.js';
import type { PhaseApply } from './apply-store.js';
import { phase } from './command.js';
import { planCounts, planPhase } from './engine.js';
import { openRunbooks } from './load.js';
import { notOfferedMessage, notOfferedReason, nothingToApplyRefusal, planBlockers } from './render.js';

/** How a refused apply reads in the audit trail. */
export function phaseApplyAudit({ data }: PlanContext<'phase-apply-request'>) {
  const { command } = data;
  return {
    command: describeCommand(phase, command).line,
    target: `phase ${command.phase}${command.task ? `/${command.task}` : ''}`,
  };
}

/**
 * `/carbon phase apply N`: the pre-flight. A server-side dry run of every object (the same as `phase
 * plan`), refused if it would stop on a conflict (unless --force) or a refusal, or if there is nothing to
 * apply; otherwise the request to store with its plan. Changes nothing in the cluster: the apply is the
 * follow-up job `phase-apply`, started by the last approval.
 */
export async function planPhaseApply(
  { data, deps, progress }: PlanContext<'phase-apply-request'>,
  refuse: Refuse,
): Promise<Draft<PhaseApply>> {
  const { store, cluster } = deps;
  const command = data.command;
  let runbooks;
  try {
    runbooks = await openRunbooks(deps);
    runbooks.tasks(runbooks.get(command.phase), command.task);
  } catch (error) {
    if (error instanceof UserError) return refuse(error);
    throw error;
  }
  const runbook = runbooks.get(command.phase);
  const tasks = runbooks.tasks(runbook, command.task);
  const plan = await planPhase(runbook, tasks, { deps, progress }, { force: command.force });
  const blockers = planBlockers(plan);
  if (blockers.length > 0) {
    const why = notOfferedReason(runbook.phase, blockers);
    return refuse(new ReportedFailure(why, notOfferedMessage(plan, why)));
  }
  const counts = planCounts(plan);
  if (counts.create + counts.change + counts.deletePods + counts.jobs === 0) {
    const onlyChecks = plan.tasks.every((t) => t.kind === 'check');
    return refuse(nothingToApplyRefusal(runbook.phase, command.task, onlyChecks));
  }

  const columns = {
    cluster: cluster.name,
    phase: runbook.phase,
    ...(command.task !== undefined ? { task: command.task } : {}),
    force: command.force,
    plan,
  };
  return {
    create: (approval, jobId) => store.phaseApplies.create({ ...approval, ...columns }, jobId),
    busy: (holder) =>
      `An apply of phase ${holder.phase} on ${cluster.name} is already ${holdingState(holder)}: ` +
      `request ${holder.id} by ${holder.requestedBy}. One apply of a phase at a time.`,
    log: { phase: runbook.phase, approvals: approvalsAsked(data) },
  };
}

import { settleOverdue } from '../../approvals/recover.js';
import { approvalsAsked, holdingState, newApproval, postPlan, scheduleFollowUp } from '../../approvals/index.js';
import { describeCommand } from '../../commands/spec.js';
import { phase } from './command.js';
import { ReportedFailure, UserError } from '../../errors.js';
import { PHASE_APPLY_KIND } from './approval.js';
import { planCounts, planPhase } from './engine.js';
import { openRunbooks } from './load.js';
import {
  applyStatusMessage,
  notOfferedMessage,
  notOfferedReason,
  nothingToApplyRefusal,
  planBlockers,
} from './render.js';
import { threadLink } from '../../approvals/store.js';
import type { AuditEntry } from '../../store/audit-log.js';
import { PhaseBusy } from './apply-store.js';
import type { JobDefinition } from '../../jobs/job.js';

/**
 * `/carbon phase apply N`: the pre-flight. A server-side dry run of every object (the same as `phase
 * plan`), refused if it would stop on a conflict (unless --force) or a refusal; otherwise stored as an
 * approval request with the plan, posted in the thread with Approve and Deny. Changes nothing in the
 * cluster: the apply is the follow-up job `phase-apply`, started by the last approval.
 */
export const phaseApplyRequest: JobDefinition<'phase-apply-request'> = {
  attempts: 2,
  async run({ jobId, data, deps, progress, log }) {
    const { store, chat, queue, cluster, config } = deps;
    const command = data.command;
    const thread = data.reply.threadTs ?? data.reply.ts;
    const base: AuditEntry = {
      actor: data.requester.user,
      channel: data.requester.channel,
      action: 'phase',
      command: describeCommand(phase, command).line,
      target: `phase ${command.phase}${command.task ? `/${command.task}` : ''}`,
      outcome: 'refused',
      jobId,
      threadLink: threadLink(data.reply.channel, thread),
      cluster: cluster.name,
    };
    const refuse = async (error: UserError): Promise<never> => {
      await store.audit
        .record({ ...base, detail: error.message })
        .catch((e: unknown) => log.error({ err: e }, 'audit write failed for a refusal'));
      throw error;
    };

    await settleOverdue(PHASE_APPLY_KIND, { store, chat, queue: deps.queue, log });
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
      return refuse(new UserError(nothingToApplyRefusal(runbook.phase, command.task, onlyChecks)));
    }

    const approvals = approvalsAsked(data);
    let created;
    try {
      created = await store.phaseApplies.create(
        {
          ...newApproval(jobId, data, config.PHASE_APPROVAL_EXPIRY_MIN),
          cluster: cluster.name,
          phase: runbook.phase,
          ...(command.task !== undefined ? { task: command.task } : {}),
          force: command.force,
          plan,
        },
        jobId,
      );
    } catch (error) {
      if (error instanceof PhaseBusy) {
        const holder = error.holder;
        const state = holdingState(holder);
        return refuse(
          new UserError(
            `An apply of phase ${holder.phase} on ${cluster.name} is already ${state}: ` +
              `request ${holder.id} by ${holder.requestedBy}. One apply of a phase at a time.`,
          ),
        );
      }
      throw error; // includes AuditUnavailable: no request without its audit row
    }
    const request = await postPlan(PHASE_APPLY_KIND, created.request, { store, chat });
    log.info(
      { request: request.id, phase: runbook.phase, approvals },
      created.created ? 'phase apply requested' : 'phase apply request found (retried job)',
    );
    await scheduleFollowUp(PHASE_APPLY_KIND, request, { queue, chat }, data.requester);
    return applyStatusMessage(request);
  },
};

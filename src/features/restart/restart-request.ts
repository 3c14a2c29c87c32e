import { settleOverdue } from '../../approvals/recover.js';
import { describeCommand } from '../../commands/spec.js';
import { restart } from './command.js';
import { resolveRestartTarget, workloadRef } from './command.js';
import { UserError } from '../../errors.js';
import { approvalsAsked, holdingState, newApproval, postPlan, scheduleFollowUp } from '../../approvals/index.js';
import { statusMessage } from './render.js';
import { RESTART_KIND } from './approval.js';
import { auditTarget, buildPlan, type RecentRestart } from './plan.js';
import { threadLink } from '../../approvals/store.js';
import type { AuditEntry } from '../../store/audit-log.js';
import { WorkloadBusy } from './store.js';
import type { JobDefinition } from '../../jobs/job.js';

const RECENT_DAYS = 7;

/**
 * `/carbon restart`: the pre-flight. Reads the workload, its PodDisruptionBudgets and the audit trail's
 * recent restarts, refuses what must not run (paused, no replicas, OnDelete, already being restarted),
 * stores the request with its expiry and posts the plan with Approve and Deny buttons in the thread.
 * It changes nothing in the cluster: the rollout is a follow-up job started by the approval.
 */
export const restartRequest: JobDefinition<'restart-request'> = {
  attempts: 2,
  async run({ jobId, data, deps, progress, log }) {
    const { kube, store, catalogue, cluster, config, chat, queue } = deps;
    const command = data.command;
    // Before any call to the cluster: the handler checked this too, but the catalogue may have changed since.
    const target = resolveRestartTarget(command, catalogue);
    const ref = workloadRef(target);
    const thread = data.reply.threadTs ?? data.reply.ts;
    const base: AuditEntry = {
      actor: data.requester.user,
      channel: data.requester.channel,
      action: 'restart',
      command: describeCommand(restart, command).line,
      target: auditTarget(target),
      reason: command.reason,
      outcome: 'refused',
      jobId,
      threadLink: threadLink(data.reply.channel, thread),
      cluster: cluster.name,
    };
    const refuse = async (why: string): Promise<never> => {
      await store.audit
        .record({ ...base, outcome: 'refused', detail: why })
        .catch((error: unknown) => log.error({ err: error }, 'audit write failed for a refusal'));
      throw new UserError(why);
    };

    await settleOverdue(RESTART_KIND, { store, chat, queue: deps.queue, log });

    await progress(`Reading ${ref} in ${target.namespace}…`);
    if (!(await kube.namespaceExists(target.namespace)))
      return refuse(`Namespace \`${target.namespace}\` does not exist in ${cluster.name}.`);
    const workload = await kube.readWorkload(target.kind, target.namespace, target.name);
    if (workload === undefined)
      return refuse(`There is no ${ref} in namespace \`${target.namespace}\` of ${cluster.name}.`);

    const [pdbs, history] = await Promise.all([
      kube.listPodDisruptionBudgets(target.namespace),
      store.audit.list(
        {
          since: new Date(Date.now() - RECENT_DAYS * 86_400_000),
          action: 'restart',
          target: auditTarget(target),
          cluster: cluster.name,
          outcomes: ['started', 'succeeded', 'failed'],
        },
        10,
      ),
    ]);
    const recent: RecentRestart[] = history
      .filter(
        (row) =>
          row.outcome !== 'started' || !history.some((r) => r.requestId === row.requestId && r.outcome !== 'started'),
      )
      .slice(0, 5)
      .map((row) => ({
        at: row.at.toISOString(),
        actor: row.actor,
        outcome: row.outcome,
        ...(row.requestId ? { requestId: row.requestId } : {}),
      }));
    const approvals = approvalsAsked(data);
    const plan = buildPlan({
      cluster,
      target,
      workload,
      pdbs,
      recent,
      approvals,
      expiryMinutes: config.RESTART_APPROVAL_EXPIRY_MIN,
      rolloutTimeoutSec: config.RESTART_ROLLOUT_TIMEOUT_SEC,
    });
    if (plan.refusal !== undefined) return refuse(plan.refusal);

    let created;
    try {
      created = await store.restarts.create(
        {
          ...newApproval(jobId, data, config.RESTART_APPROVAL_EXPIRY_MIN),
          cluster: cluster.name,
          namespace: target.namespace,
          kind: target.kind,
          name: target.name,
          ...(target.service ? { service: target.service } : {}),
          reason: command.reason,
          plan,
        },
        jobId,
      );
    } catch (error) {
      if (error instanceof WorkloadBusy) {
        const holder = error.holder;
        const state = holdingState(holder);
        return refuse(
          `A restart of ${ref} in ${target.namespace} is already ${state}: ` +
            `request ${holder.id} by ${holder.requestedBy}. One restart of a workload at a time.`,
        );
      }
      throw error; // includes AuditUnavailable: no request without its audit row
    }
    const request = await postPlan(RESTART_KIND, created.request, { store, chat });
    log.info(
      { request: request.id, target: auditTarget(target), approvals },
      created.created ? 'restart requested' : 'restart request found (retried job)',
    );

    await scheduleFollowUp(RESTART_KIND, request, { queue, chat }, data.requester);
    return statusMessage(request);
  },
};

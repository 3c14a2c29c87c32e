import { approvalsAsked, holdingState } from '../../approvals/index.js';
import type { Draft, PlanContext, Refuse } from '../../approvals/gated-action.js';
import { describeCommand } from '../../commands/spec.js';
import type { JobDeps } from '../../jobs/job.js';
import { restart, resolveRestartTarget, workloadRef } from './command.js';
import { auditTarget, buildPlan, type RecentRestart } from './plan.js';
import type { RestartRequest } from './store.js';

const RECENT_DAYS = 7;

/** How a refused restart reads in the audit trail. */
export function restartAudit({ data, deps }: PlanContext<'restart-request'>) {
  const { command } = data;
  const target = resolveRestartTarget(command, deps.catalogue);
  return { command: describeCommand(restart, command).line, target: auditTarget(target), reason: command.reason };
}

/**
 * `/carbon restart`: the pre-flight. Reads the workload, its PodDisruptionBudgets and the audit trail's
 * recent restarts, refuses what must not run (paused, no replicas, OnDelete, already being restarted),
 * and gives the request to store with its plan. It changes nothing in the cluster: the rollout is the
 * follow-up job started by the approval.
 */
export async function planRestart(
  { data, deps, progress }: PlanContext<'restart-request'>,
  refuse: Refuse,
): Promise<Draft<RestartRequest>> {
  const { kube, store, catalogue, cluster, config } = deps;
  const command = data.command;
  // Before any call to the cluster: the handler checked this too, but the catalogue may have changed since.
  const target = resolveRestartTarget(command, catalogue);
  const ref = workloadRef(target);

  await progress(`Reading ${ref} in ${target.namespace}…`);
  if (!(await kube.namespaceExists(target.namespace)))
    return refuse(`Namespace \`${target.namespace}\` does not exist in ${cluster.name}.`);
  const workload = await kube.readWorkload(target.kind, target.namespace, target.name);
  if (workload === undefined)
    return refuse(`There is no ${ref} in namespace \`${target.namespace}\` of ${cluster.name}.`);

  const [pdbs, recent] = await Promise.all([
    kube.listPodDisruptionBudgets(target.namespace),
    recentRestarts(store, auditTarget(target), cluster.name),
  ]);
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

  const columns = {
    cluster: cluster.name,
    namespace: target.namespace,
    kind: target.kind,
    name: target.name,
    ...(target.service ? { service: target.service } : {}),
    reason: command.reason,
    plan,
  };
  return {
    create: (approval, jobId) => store.restarts.create({ ...approval, ...columns }, jobId),
    busy: (holder) =>
      `A restart of ${ref} in ${target.namespace} is already ${holdingState(holder)}: ` +
      `request ${holder.id} by ${holder.requestedBy}. One restart of a workload at a time.`,
    log: { target: auditTarget(target), approvals },
  };
}

/** The last restarts of the target (7 days), a started one only while it has no outcome. */
async function recentRestarts(store: JobDeps['store'], target: string, cluster: string): Promise<RecentRestart[]> {
  const history = await store.audit.list(
    {
      since: new Date(Date.now() - RECENT_DAYS * 86_400_000),
      action: 'restart',
      target,
      cluster,
      outcomes: ['started', 'succeeded', 'failed'],
    },
    10,
  );
  return history
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
}

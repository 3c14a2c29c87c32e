import type { Deployment, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { RestartTarget } from './command.js';
import type { ClusterInfo } from '../../integrations/kubernetes.js';

/** The annotation `kubectl rollout restart` sets on the pod template; changing it replaces every pod. */
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

export type Workload = Deployment | StatefulSet;

export interface PdbHeadroom {
  name: string;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  /** The rollout may take down more pods at once than the budget allows. */
  breach: boolean;
}

export interface RecentRestart {
  at: string;
  actor: string;
  outcome: string;
  requestId?: string;
}

/** The pre-flight plan: what is there now and what a restart will do. Stored with the request as JSON. */
export interface Plan {
  cluster: ClusterInfo;
  target: RestartTarget;
  desired: number;
  ready: number;
  paused: boolean;
  /** e.g. `RollingUpdate (maxSurge 1, maxUnavailable 0)` */
  strategy: string;
  /** Pods that may be unavailable at once during the rollout. */
  maxUnavailable: number;
  pdbs: PdbHeadroom[];
  /** The current restartedAt annotation, if the workload was restarted this way before. */
  lastRestartedAt?: string;
  recent: RecentRestart[];
  steps: string[];
  /** Why a restart must not run at all (paused, no replicas, OnDelete); no request is made then. */
  refusal?: string;
}

export interface PlanInput {
  cluster: ClusterInfo;
  target: RestartTarget;
  workload: Workload;
  pdbs: readonly PodDisruptionBudget[];
  recent: readonly RecentRestart[];
  approvals: number;
  expiryMinutes: number;
  rolloutTimeoutSec: number;
}

/** Pure: everything the plan says comes from the objects read and the audit trail. */
export function buildPlan(input: PlanInput): Plan {
  const { target, workload } = input;
  const desired = workload.spec?.replicas ?? 1;
  const ready = workload.status?.readyReplicas ?? 0;
  const labels = workload.spec?.template?.metadata?.labels ?? {};
  const rollout =
    target.kind === 'deployment'
      ? deploymentRollout(workload as Deployment, desired)
      : statefulSetRollout(workload as StatefulSet, desired);
  const paused = target.kind === 'deployment' && (workload as Deployment).spec?.paused === true;

  const pdbs = input.pdbs
    .filter((pdb) => pdb.spec?.selector !== undefined && selectorMatches(pdb.spec.selector, labels))
    .map((pdb): PdbHeadroom => {
      const disruptionsAllowed = pdb.status?.disruptionsAllowed ?? 0;
      return {
        name: pdb.metadata?.name ?? '?',
        disruptionsAllowed,
        currentHealthy: pdb.status?.currentHealthy ?? 0,
        desiredHealthy: pdb.status?.desiredHealthy ?? 0,
        breach: rollout.maxUnavailable > disruptionsAllowed,
      };
    });

  let refusal: string | undefined;
  if (paused)
    refusal =
      `${ref(target)} is paused (spec.paused): a restart would not roll. ` +
      'Resume it first (kubectl rollout resume).';
  else if (desired === 0) refusal = `${ref(target)} has 0 replicas: there is nothing to restart.`;
  else if (rollout.refusal !== undefined) refusal = rollout.refusal;

  const lastRestartedAt = workload.spec?.template?.metadata?.annotations?.[RESTARTED_AT];
  const approval =
    input.approvals === 0
      ? 'The policy requires no approval: the restart starts right away.'
      : `It waits for ${input.approvals === 1 ? 'an approval' : `${input.approvals} approvals`} by someone ` +
        `else with the approver role, for ${input.expiryMinutes} minutes; then it expires.`;
  const steps = [
    approval,
    `Then carbon-ops sets the pod-template annotation \`${RESTARTED_AT}\` to the current time, ` +
      'exactly as `kubectl rollout restart` does (a strategic-merge patch, field manager carbon-ops); ' +
      'nothing else in the object changes.',
    rollout.how,
    'Progress is posted in this thread, watched like `kubectl rollout status`; ' +
      'the restart fails on ProgressDeadlineExceeded or after ' +
      `${Math.round(input.rolloutTimeoutSec / 60)} minutes.`,
  ];
  if (pdbs.some((p) => p.breach))
    steps.push(
      '⚠️ The rollout may take down more pods at once than a PodDisruptionBudget allows: expect reduced capacity.',
    );

  return {
    cluster: input.cluster,
    target,
    desired,
    ready,
    paused,
    strategy: rollout.strategy,
    maxUnavailable: rollout.maxUnavailable,
    pdbs,
    ...(lastRestartedAt !== undefined ? { lastRestartedAt } : {}),
    recent: [...input.recent],
    steps,
    ...(refusal !== undefined ? { refusal } : {}),
  };
}

interface RolloutShape {
  strategy: string;
  maxUnavailable: number;
  how: string;
  refusal?: string;
}

function deploymentRollout(deployment: Deployment, desired: number): RolloutShape {
  const strategy = deployment.spec?.strategy;
  if (strategy?.type === 'Recreate') {
    return {
      strategy: 'Recreate',
      maxUnavailable: desired,
      how: `Recreate strategy: all ${desired} pods stop before the new ones start (an outage until they are ready).`,
    };
  }
  const { maxSurge, maxUnavailable } = resolveFenceposts(
    strategy?.rollingUpdate?.maxSurge ?? '25%',
    strategy?.rollingUpdate?.maxUnavailable ?? '25%',
    desired,
  );
  return {
    strategy: `RollingUpdate (maxSurge ${maxSurge}, maxUnavailable ${maxUnavailable})`,
    maxUnavailable,
    how:
      `A new ReplicaSet replaces the ${desired} pod${desired === 1 ? '' : 's'}: ` +
      `at most ${maxSurge} extra and ${maxUnavailable} unavailable at a time.`,
  };
}

function statefulSetRollout(statefulSet: StatefulSet, desired: number): RolloutShape {
  const strategy = statefulSet.spec?.updateStrategy;
  if (strategy?.type === 'OnDelete') {
    return {
      strategy: 'OnDelete',
      maxUnavailable: 0,
      how: 'OnDelete: pods are only replaced when deleted.',
      refusal:
        `statefulset/${statefulSet.metadata?.name} uses the OnDelete update strategy: ` +
        'a restart would change the template but replace no pod.',
    };
  }
  const partition = strategy?.rollingUpdate?.partition ?? 0;
  const name = statefulSet.metadata?.name ?? '?';
  const order =
    Array.from({ length: Math.min(desired, 4) }, (_, i) => `${name}-${desired - 1 - i}`).join(', ') +
    (desired > 4 ? ', …' : '');
  const partitioned =
    partition > 0 ? ` Pods with an ordinal below the partition (${partition}) are left as they are.` : '';
  return {
    strategy: `RollingUpdate (one pod at a time${partition > 0 ? `, partition ${partition}` : ''})`,
    maxUnavailable: 1,
    how:
      `Pods are replaced one at a time from the highest ordinal down (${order}), ` +
      `each waiting until the one before is Ready.${partitioned}`,
  };
}

/**
 * maxSurge rounds up and maxUnavailable down, and both zero means one unavailable (the deployment controller's rule).
 */
export function resolveFenceposts(
  surge: number | string,
  unavailable: number | string,
  desired: number,
): { maxSurge: number; maxUnavailable: number } {
  const maxSurge = scaled(surge, desired, Math.ceil);
  let maxUnavailable = scaled(unavailable, desired, Math.floor);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable: Math.min(maxUnavailable, desired) };
}

function scaled(value: number | string, total: number, round: (n: number) => number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(value);
  if (match) return round((Number(match[1]) * total) / 100);
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

/**
 * A label selector (matchLabels and matchExpressions) against a set of labels. An empty selector matches everything.
 */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const expression of selector.matchExpressions ?? []) {
    const value = labels[expression.key];
    const values = expression.values ?? [];
    switch (expression.operator) {
      case 'In':
        if (value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (value === undefined) return false;
        break;
      case 'DoesNotExist':
        if (value !== undefined) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** `data-platform/deployment/trino-coordinator`: how the audit trail names a workload. */
export const auditTarget = (target: Pick<RestartTarget, 'namespace' | 'kind' | 'name'>): string =>
  `${target.namespace}/${target.kind}/${target.name}`;

const ref = (target: RestartTarget): string => `${target.kind}/${target.name}`;

/** The annotation value, in the format `kubectl rollout restart` writes (RFC 3339, whole seconds). */
export function restartedAtValue(now: Date = new Date()): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

import type { Deployment, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { WorkloadKind } from '../../catalogue.js';

/** Where a rollout stands, by the rules `kubectl rollout status` applies. */
export interface RolloutStatus {
  done: boolean;
  /** Set when the rollout has failed for good (ProgressDeadlineExceeded). */
  failure?: string;
  /**
   * kubectl's wording, e.g. `Waiting for deployment "x" rollout to finish: 1 out of 3 new replicas have been
   * updated...`
   */
  message: string;
  desired: number;
  updated: number;
  ready: number;
  /** The spec change has been seen by the controller (observedGeneration ≥ generation). */
  observed: boolean;
}

export function rolloutStatus(kind: WorkloadKind, workload: Deployment | StatefulSet): RolloutStatus {
  return kind === 'deployment' ? deploymentStatus(workload as Deployment) : statefulSetStatus(workload as StatefulSet);
}

/** kubectl's DeploymentStatusViewer. */
export function deploymentStatus(deployment: Deployment): RolloutStatus {
  const name = deployment.metadata?.name ?? '?';
  const status = deployment.status ?? {};
  const desired = deployment.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const replicas = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const base = { desired, updated, ready: status.readyReplicas ?? 0 };
  if ((deployment.metadata?.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return { ...base, done: false, observed: false, message: 'Waiting for deployment spec update to be observed...' };
  }
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    const message = `deployment "${name}" exceeded its progress deadline`;
    return { ...base, done: false, observed: true, failure: message, message };
  }
  if (updated < desired) {
    return {
      ...base,
      done: false,
      observed: true,
      message:
        `Waiting for deployment "${name}" rollout to finish: ` +
        `${updated} out of ${desired} new replicas have been updated...`,
    };
  }
  if (replicas > updated) {
    return {
      ...base,
      done: false,
      observed: true,
      message:
        `Waiting for deployment "${name}" rollout to finish: ` +
        `${replicas - updated} old replicas are pending termination...`,
    };
  }
  if (available < updated) {
    return {
      ...base,
      done: false,
      observed: true,
      message:
        `Waiting for deployment "${name}" rollout to finish: ` +
        `${available} of ${updated} updated replicas are available...`,
    };
  }
  return { ...base, done: true, observed: true, message: `deployment "${name}" successfully rolled out` };
}

/** kubectl's StatefulSetStatusViewer (RollingUpdate only: the plan refuses OnDelete). */
export function statefulSetStatus(statefulSet: StatefulSet): RolloutStatus {
  const status = statefulSet.status ?? { replicas: 0 };
  const desired = statefulSet.spec?.replicas ?? 1;
  const base = { desired, updated: status.updatedReplicas ?? 0, ready: status.readyReplicas ?? 0 };
  if (statefulSet.spec?.updateStrategy?.type === 'OnDelete') {
    const message = 'rollout status is only available for RollingUpdate strategy type';
    return { ...base, done: false, observed: true, failure: message, message };
  }
  if (!status.observedGeneration || (statefulSet.metadata?.generation ?? 0) > status.observedGeneration) {
    return { ...base, done: false, observed: false, message: 'Waiting for statefulset spec update to be observed...' };
  }
  if (base.ready < desired) {
    return { ...base, done: false, observed: true, message: `Waiting for ${desired - base.ready} pods to be ready...` };
  }
  const partition = statefulSet.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  if (partition > 0) {
    if (base.updated < desired - partition) {
      return {
        ...base,
        done: false,
        observed: true,
        message:
          'Waiting for partitioned roll out to finish: ' +
          `${base.updated} out of ${desired - partition} new pods have been updated...`,
      };
    }
    return {
      ...base,
      done: true,
      observed: true,
      message: `partitioned roll out complete: ${base.updated} new pods have been updated...`,
    };
  }
  if (status.updateRevision !== status.currentRevision) {
    return {
      ...base,
      done: false,
      observed: true,
      message:
        `waiting for statefulset rolling update to complete ${base.updated} pods at ` +
        `revision ${status.updateRevision}...`,
    };
  }
  return {
    ...base,
    done: true,
    observed: true,
    message:
      `statefulset rolling update complete ${status.currentReplicas ?? base.updated} pods at ` +
      `revision ${status.currentRevision}...`,
  };
}

/** The thread's progress line: "2 of 3 pods updated, 1 ready". */
export function progressLine(status: RolloutStatus): string {
  if (!status.observed) return `Waiting for the controller to see the change (0 of ${status.desired} pods updated)`;
  return (
    `${Math.min(status.updated, status.desired)} of ${status.desired} pods ` +
    `updated, ${Math.min(status.ready, status.desired)} ready`
  );
}

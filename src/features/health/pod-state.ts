import type { ContainerStatus, Pod, PodCondition } from 'kubernetes-types/core/v1.js';

/**
 * What the health report keeps of each pod, applied to each pod as its page is read (Kube.listPods' select):
 * of a pod that is ready or Succeeded, its name, namespace, phase and readiness, which is all measureHealth
 * reads of it; of any other, its whole status too, where problemOf and restartsOf look (they are the few).
 * Spec, labels, annotations, managed fields and the status of healthy pods are never held, so a large
 * cluster's listing keeps about 150 bytes a healthy pod.
 */
export function healthFields(pod: Pod): Pod {
  const metadata = { name: pod.metadata?.name, namespace: pod.metadata?.namespace };
  if (!isSucceeded(pod) && !isReady(pod))
    return { metadata, ...(pod.status !== undefined ? { status: pod.status } : {}) };
  return { metadata, status: { phase: pod.status?.phase, conditions: isReady(pod) ? READY : [] } };
}

/** The one condition a ready pod keeps, shared by all of them: frozen, as nothing may change a measured pod. */
const READY = Object.freeze([Object.freeze({ type: 'Ready', status: 'True' })]) as PodCondition[];

export const isSucceeded = (pod: Pod): boolean => pod.status?.phase === 'Succeeded';

export const isReady = (pod: Pod): boolean =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export const restartsOf = (pod: Pod): number =>
  (pod.status?.containerStatuses ?? []).reduce((sum, c) => sum + (c.restartCount ?? 0), 0);

export interface Problem {
  reason: string;
  detail?: string;
}

/**
 * Why a pod is not ready, in the words `kubectl get pods` would use, except that a crash loop caused
 * by the OOM killer is called OOMKilled: that is what the operator has to fix.
 */
export function problemOf(pod: Pod): Problem {
  const status = pod.status ?? {};
  const fromContainers =
    containerProblem(status.initContainerStatuses, 'Init:') ?? containerProblem(status.containerStatuses, '');
  if (fromContainers) return fromContainers;
  if (status.phase === 'Pending') {
    const unscheduled = status.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    return { reason: 'Pending', ...(unscheduled?.message ? { detail: unscheduled.message } : {}) };
  }
  if (status.phase === 'Failed')
    return { reason: status.reason ?? 'Failed', ...(status.message ? { detail: status.message } : {}) };
  if (status.phase === 'Unknown') return { reason: 'Unknown' };
  return { reason: 'NotReady', detail: 'running, readiness probe not passing' };
}

function containerProblem(statuses: ContainerStatus[] | undefined, prefix: string): Problem | undefined {
  for (const c of statuses ?? []) {
    if (c.ready) continue;
    const waiting = c.state?.waiting;
    const terminated = c.state?.terminated;
    const lastTerminated = c.lastState?.terminated;
    if (waiting?.reason) {
      const oom = waiting.reason === 'CrashLoopBackOff' && lastTerminated?.reason === 'OOMKilled';
      return {
        reason: prefix + (oom ? 'OOMKilled' : waiting.reason),
        ...(waiting.message ? { detail: waiting.message } : {}),
      };
    }
    if (terminated?.reason && terminated.reason !== 'Completed') {
      return { reason: prefix + terminated.reason, ...(terminated.message ? { detail: terminated.message } : {}) };
    }
  }
  return undefined;
}

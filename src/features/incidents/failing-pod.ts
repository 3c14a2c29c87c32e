import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Catalogue, Service } from '../../catalogue.js';
import { isReady, problemOf, restartsOf } from '../health/pod-state.js';
import { workloadOfPod } from './owner.js';

/** The reasons the pod watch posts: what an operator has to act on, named as `kubectl get pods` shows them. */
export type FailingReason = 'CrashLoopBackOff' | 'OOMKilled' | 'ImagePullBackOff' | 'Pending';

export interface Failing {
  reason: FailingReason;
  /** kubelet's or the scheduler's message, when there is one. */
  detail?: string;
  restarts: number;
}

/** ErrImagePull and ImagePullBackOff alternate for the same missing image: one reason, so one post. */
const REASONS: Record<string, FailingReason> = {
  CrashLoopBackOff: 'CrashLoopBackOff',
  OOMKilled: 'OOMKilled',
  ImagePullBackOff: 'ImagePullBackOff',
  ErrImagePull: 'ImagePullBackOff',
};

/**
 * Why a pod fails, as far as the watch cares, or undefined: health's reading of the pod (a crash loop of
 * the OOM killer is OOMKilled), init containers included, and Pending (unscheduled or still creating)
 * only once it has lasted `pendingMs` since the pod was created. A Ready pod never fails.
 */
export function failingReason(pod: Pod, now: number, pendingMs: number): Failing | undefined {
  if (isReady(pod) || pod.metadata?.deletionTimestamp) return undefined;
  const problem = problemOf(pod);
  const base = problem.reason.replace(/^Init:/, '');
  const reason =
    REASONS[base] ?? (pod.status?.phase === 'Pending' && pendingSince(pod, pendingMs) <= now ? 'Pending' : undefined);
  if (reason === undefined) return undefined;
  return { reason, ...(problem.detail ? { detail: problem.detail } : {}), restarts: restartsOf(pod) };
}

/** When a Pending pod has been pending too long (its creation plus `pendingMs`), in ms; Infinity without one. */
export function pendingSince(pod: Pod, pendingMs: number): number {
  const created = Date.parse(pod.metadata?.creationTimestamp ?? '');
  return Number.isNaN(created) ? Number.POSITIVE_INFINITY : created + pendingMs;
}

/** The catalogue service whose workload runs the pod (its controller's, `workloadOfPod`), in the pod's namespace. */
export function serviceOfPod(pod: Pod, catalogue: Catalogue): Service | undefined {
  const { kind, name } = workloadOfPod(pod);
  return catalogue.inNamespace(pod.metadata?.namespace).find((s) => s.kind === kind && s.workload === name);
}

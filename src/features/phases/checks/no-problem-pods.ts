import type { Pod } from 'kubernetes-types/core/v1.js';
import { z } from 'zod';
import { isReady, problemOf } from '../../health/pod-state.js';
import { namespace } from '../fields.js';
import { count, fail, names, pass, type CheckKind } from './kind.js';

const schema = z.strictObject({ namespace: namespace.optional(), reasons: z.array(z.string().min(1)).min(1) });

/** No pod (in the namespace, or anywhere) is in one of these states. */
export type NoProblemPods = { kind: 'noProblemPods' } & z.infer<typeof schema>;

export const noProblemPods: CheckKind<NoProblemPods> = {
  kind: 'noProblemPods',
  schema,
  describe(check) {
    const where = check.namespace ? `in ${check.namespace}` : 'in any namespace';
    return `no pod in ${check.reasons.join(' or ')} ${where}`;
  },
  async evaluate(check, { kube }, view) {
    const pods =
      check.namespace === undefined ? await view.allPods() : await kube.listPods({ namespace: check.namespace });
    const byReason = new Map<string, string[]>();
    for (const pod of pods) {
      if (pod.metadata?.deletionTimestamp !== undefined) continue;
      const reason = check.reasons.find((r) => inState(pod, r));
      if (reason !== undefined)
        byReason.set(reason, [...(byReason.get(reason) ?? []), `${pod.metadata?.namespace}/${pod.metadata?.name}`]);
    }
    const where = check.namespace ?? 'the cluster';
    if (byReason.size === 0)
      return pass(`no pod in ${check.reasons.join(' or ')} in ${where} (${count(pods.length)} pods looked at)`);
    const total = [...byReason.values()].reduce((n, l) => n + l.length, 0);
    return fail(
      `${total} pods in ${where}: ` +
        `${[...byReason].map(([reason, list]) => `${list.length} ${reason} (${names(list, 3)})`).join('; ')}`,
    );
  },
};

/** True when any container waits in `reason` (CrashLoopBackOff, ImagePullBackOff, …) or the pod's problem is it. */
export function inState(pod: Pod, reason: string): boolean {
  if (isReady(pod) || pod.status?.phase === 'Succeeded') return false;
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  if (statuses.some((c) => c.state?.waiting?.reason === reason)) return true;
  return problemOf(pod).reason === reason;
}

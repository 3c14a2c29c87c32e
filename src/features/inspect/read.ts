import type { Deployment, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import type { Kube } from '../../integrations/kubernetes.js';
import { UserError } from '../../errors.js';
import { restartsOf } from '../health/pod-state.js';
import type { InspectTarget } from './target.js';

/** What the inspection commands read of a target: the workload (none for a pod) and its pods. */
export interface Observed {
  workload?: Deployment | StatefulSet;
  pods: Pod[];
}

/** The workload or pod a target names, and the pods it runs; a UserError when there is none. */
export async function observe(kube: Kube, target: InspectTarget, clusterName: string): Promise<Observed> {
  if (!(await kube.namespaceExists(target.namespace)))
    throw new UserError(`Namespace \`${target.namespace}\` does not exist in ${clusterName}.`);
  if (target.kind === 'pod') {
    const pod = await kube.readPod(target.namespace, target.name);
    if (pod === undefined)
      throw new UserError(`There is no pod \`${target.name}\` in namespace \`${target.namespace}\`.`);
    return { pods: [pod] };
  }
  const workload = await kube.readWorkload(target.kind, target.namespace, target.name);
  if (workload === undefined)
    throw new UserError(`There is no ${target.kind} \`${target.name}\` in namespace \`${target.namespace}\`.`);
  const labels = workload.spec?.selector?.matchLabels ?? {};
  const labelSelector = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = labelSelector === '' ? [] : await kube.listPods({ namespace: target.namespace, labelSelector });
  pods.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  return { workload, pods };
}

/** The pod whose log tells most: the one restarting most (a crash loop), else the first. */
export function podToRead(pods: readonly Pod[]): Pod | undefined {
  let chosen: Pod | undefined;
  for (const pod of pods) if (chosen === undefined || restartsOf(pod) > restartsOf(chosen)) chosen = pod;
  return chosen;
}

/** The events about the workload and its pods (or the pod), newest first, at most `limit`. */
export async function eventsOf(
  kube: Kube,
  target: InspectTarget,
  observed: Observed,
  limit: number,
): Promise<{ events: Event[]; total: number }> {
  const names =
    target.kind === 'pod'
      ? [target.name]
      : [target.name, ...observed.pods.map((p) => p.metadata?.name ?? '').filter(Boolean)];
  // one list per name (fieldSelector involvedObject.name), bounded: a service's workload and its pods
  const lists = await Promise.all(
    names.slice(0, 50).map((name) => kube.listEvents(target.namespace, `involvedObject.name=${name}`)),
  );
  const all = lists.flat();
  const time = (e: Event): string => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '';
  all.sort((a, b) => time(b).localeCompare(time(a)));
  return { events: all.slice(0, limit), total: all.length };
}

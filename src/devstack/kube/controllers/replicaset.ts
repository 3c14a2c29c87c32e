// The ReplicaSet controller: keeps spec.replicas active pods, deleting the least useful first
// (controller.ActivePodsWithRanks), and reports replicas/ready/available (ready for minReadySeconds) in status.
import type { Cluster } from '../cluster.js';
import { isActive, isPodReady } from '../pod-status.js';
import type { KubeObject, Pod, PodTemplate, ReplicaSet } from '../types.js';
import { countAvailable, omitZero, ownerReference, podsOf } from './util.js';

/** Lower rank is deleted first: unscheduled, pending, not ready, most restarts, newest. */
function deletionOrder(a: Pod, b: Pod): number {
  const scheduled = (p: Pod): number => (p.spec.nodeName ? 1 : 0);
  const phase = (p: Pod): number => (p.status.phase === 'Pending' ? 0 : p.status.phase === 'Running' ? 2 : 1);
  const ready = (p: Pod): number => (isPodReady(p) ? 1 : 0);
  const restarts = (p: Pod): number => (p.status.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0);
  return (
    scheduled(a) - scheduled(b) ||
    phase(a) - phase(b) ||
    ready(a) - ready(b) ||
    restarts(b) - restarts(a) ||
    b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp)
  );
}

/** A pod from the owner's template, with its controller reference; kubelet takes it from there. */
export function createPodFor(
  cluster: Cluster,
  owner: KubeObject & { spec: { template: PodTemplate } },
  name: string,
  extraLabels: Record<string, string>,
  generateName?: string,
): Pod {
  const template = owner.spec.template;
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      ...(generateName ? { generateName } : {}),
      namespace: owner.metadata.namespace,
      labels: { ...template.metadata?.labels, ...extraLabels },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [ownerReference(owner)],
      uid: '',
      resourceVersion: '',
      creationTimestamp: '',
    },
    spec: structuredClone(template.spec),
  };
  return cluster.create('pods', pod) as Pod;
}

export function reconcileReplicaSet(cluster: Cluster, namespace: string, name: string): void {
  const rs = cluster.store.get('replicasets', namespace, name) as ReplicaSet | undefined;
  if (!rs || rs.metadata.deletionTimestamp) return;
  const pods = podsOf(cluster, rs).filter(isActive);
  const desired = rs.spec.replicas ?? 1;
  const source = { component: 'replicaset-controller' };
  if (pods.length < desired) {
    for (let i = pods.length; i < desired; i++) {
      let podName = `${rs.metadata.name}-${cluster.ids.suffix()}`;
      while (cluster.store.get('pods', namespace, podName)) podName = `${rs.metadata.name}-${cluster.ids.suffix()}`;
      createPodFor(cluster, rs, podName, {}, `${rs.metadata.name}-`);
      cluster.recordEvent(rs, { type: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${podName}`, source });
    }
  } else if (pods.length > desired) {
    for (const pod of [...pods].sort(deletionOrder).slice(0, pods.length - desired)) {
      cluster.terminatePod(pod);
      cluster.recordEvent(rs, { type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted pod: ${pod.metadata.name}`, source });
    }
  }
  const active = podsOf(cluster, rs).filter(isActive);
  const ready = active.filter(isPodReady).length;
  const available = countAvailable(cluster, 'replicasets', rs, active, rs.spec.minReadySeconds ?? 0);
  const status = omitZero(
    {
      replicas: active.length,
      fullyLabeledReplicas: active.length,
      readyReplicas: ready,
      availableReplicas: available,
      observedGeneration: rs.metadata.generation,
    },
    ['replicas'],
  );
  cluster.save('replicasets', { ...rs, status });
}

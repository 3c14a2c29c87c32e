// The disruption controller's status for PodDisruptionBudgets: expected, healthy and desired-healthy pods
// and how many voluntary disruptions that leaves (what a restart's pre-flight checks).
import type { Cluster } from '../cluster.js';
import { rfc3339 } from '../duration.js';
import { isPodReady } from '../pod-status.js';
import { selects } from '../selectors.js';
import type { Condition, KubeObject, Pod, PodDisruptionBudget } from '../types.js';
import { controllerOf, findCondition, scaled } from './util.js';

const SCALE_RESOURCES: Record<string, string> = {
  ReplicaSet: 'replicasets',
  StatefulSet: 'statefulsets',
  Deployment: 'deployments',
};

/** getExpectedScale: the desired replicas of the controllers owning the selected pods. */
function expectedScale(cluster: Cluster, pods: Pod[]): number {
  const seen = new Set<string>();
  let expected = 0;
  for (const pod of pods) {
    const owner = controllerOf(pod);
    if (!owner) {
      expected++;
      continue;
    }
    if (seen.has(owner.uid)) continue;
    seen.add(owner.uid);
    const resource = SCALE_RESOURCES[owner.kind];
    let controller: KubeObject | undefined = resource
      ? cluster.store.get(resource, pod.metadata.namespace, owner.name)
      : undefined;
    // Pods of a Deployment's ReplicaSets count against the Deployment's scale.
    const parent = controller && controllerOf(controller);
    if (parent?.kind === 'Deployment')
      controller = cluster.store.get('deployments', pod.metadata.namespace, parent.name) ?? controller;
    const spec = controller?.['spec'] as { replicas?: number } | undefined;
    expected += spec?.replicas ?? 1;
  }
  return expected;
}

export function reconcilePdb(cluster: Cluster, namespace: string, name: string): void {
  const pdb = cluster.store.get('poddisruptionbudgets', namespace, name) as PodDisruptionBudget | undefined;
  if (!pdb) return;
  const pods: Pod[] = [];
  for (const [, object] of cluster.store.scan('pods', namespace)) {
    const pod = object as Pod;
    if (
      selects(pdb.spec.selector, pod.metadata.labels) &&
      pod.status.phase !== 'Succeeded' &&
      pod.status.phase !== 'Failed'
    )
      pods.push(pod);
  }
  const healthy = pods.filter((p) => isPodReady(p) && !p.metadata.deletionTimestamp).length;
  let expected: number;
  let desired: number;
  const { minAvailable, maxUnavailable } = pdb.spec;
  if (maxUnavailable !== undefined) {
    expected = expectedScale(cluster, pods);
    desired = Math.max(0, expected - scaled(maxUnavailable, expected, true));
  } else if (typeof minAvailable === 'number') {
    expected = pods.length;
    desired = minAvailable;
  } else {
    expected = expectedScale(cluster, pods);
    desired = scaled(minAvailable, expected, true);
  }
  const allowed = Math.max(0, healthy - desired);
  const status = allowed > 0 ? 'True' : 'False';
  const previous = findCondition(pdb.status?.conditions, 'DisruptionAllowed');
  // meta.SetStatusCondition: reason and observedGeneration follow, the transition time only on a change.
  const condition: Condition = {
    type: 'DisruptionAllowed',
    status,
    reason: allowed > 0 ? 'SufficientPods' : 'InsufficientPods',
    message: '',
    observedGeneration: pdb.metadata.generation,
    lastTransitionTime: previous?.status === status ? previous.lastTransitionTime : rfc3339(cluster.now()),
  };
  cluster.save('poddisruptionbudgets', {
    ...pdb,
    status: {
      observedGeneration: pdb.metadata.generation,
      disruptionsAllowed: allowed,
      currentHealthy: healthy,
      desiredHealthy: desired,
      expectedPods: expected,
      conditions: [condition],
    },
  });
}

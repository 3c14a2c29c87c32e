// The garbage collector's background propagation: when an owner goes, its dependents (ReplicaSets of a
// Deployment, pods of a ReplicaSet, StatefulSet, DaemonSet or Job, a workload's ControllerRevisions:
// whatever names it as controller) go too; with propagationPolicy=Orphan they are released instead
// (cluster.ts runs Foreground and Orphan as the finalizers foregroundDeletion and orphan).
import type { Cluster } from '../cluster.js';
import type { StoreEvent } from '../store.js';
import type { KubeObject, Pod } from '../types.js';

const DEPENDENTS: Record<string, string[]> = {
  deployments: ['replicasets'],
  replicasets: ['pods'],
  statefulsets: ['pods', 'controllerrevisions'],
  daemonsets: ['pods', 'controllerrevisions'],
  jobs: ['pods'],
};

export function collectGarbage(cluster: Cluster, event: StoreEvent): void {
  const uid = event.object.metadata.uid;
  const namespace = event.object.metadata.namespace;
  for (const resource of DEPENDENTS[event.resource] ?? []) {
    for (const dependent of cluster.store.controlledBy(resource, uid)) {
      if (resource === 'pods') cluster.terminatePod(dependent as Pod);
      else cluster.store.remove(resource, namespace, dependent.metadata.name);
    }
  }
}

/** The objects that name `owner` as their controller, with their resource. */
export function dependentsOf(cluster: Cluster, resource: string, owner: KubeObject): [string, KubeObject][] {
  return (DEPENDENTS[resource] ?? []).flatMap((r) =>
    cluster.store.controlledBy(r, owner.metadata.uid).map((d): [string, KubeObject] => [r, d]),
  );
}

/** propagationPolicy=Orphan: the dependents lose their ownerReference to `owner` and stay. */
export function orphanDependents(cluster: Cluster, resource: string, owner: KubeObject): void {
  const uid = owner.metadata.uid;
  for (const dependentResource of DEPENDENTS[resource] ?? []) {
    for (const dependent of cluster.store.controlledBy(dependentResource, uid)) {
      const ownerReferences = (dependent.metadata.ownerReferences ?? []).filter((o) => o.uid !== uid);
      const metadata = { ...dependent.metadata, ownerReferences };
      if (ownerReferences.length === 0) delete (metadata as Partial<KubeObject['metadata']>).ownerReferences;
      cluster.store.write(dependentResource, { ...dependent, metadata });
    }
  }
}

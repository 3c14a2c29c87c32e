import type { Pod } from 'kubernetes-types/core/v1.js';
import type { WorkloadKind } from '../../catalogue.js';

/** The characters Kubernetes writes pod-template hashes and pod suffixes with (k8s.io/apimachinery rand.SafeEncodeString). */
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';
const DEPLOYMENT_POD = new RegExp(`^([a-z0-9][-a-z0-9.]*?)-${SAFE}{1,10}-${SAFE}{5}$`);
const STATEFULSET_POD = /^([a-z0-9][-a-z0-9.]*?)-(\d+)$/;

/**
 * The workload a pod belongs to, read from its name as its controller wrote it: `<deployment>-<hash>-<suffix>`
 * (through its ReplicaSet) or `<statefulset>-<ordinal>`. The bot answers the Restart click without reading the
 * cluster; the restart job then reads the workload (a name that is not one is refused there) and shows it in the
 * plan the approver checks. Undefined for a pod no controller named so (a bare pod, a Job's, a DaemonSet's).
 */
export function podOwner(pod: string): { kind: WorkloadKind; name: string } | undefined {
  // A deployment's pod first: its 5-character suffix may be all digits, which would also read as an ordinal.
  const deployment = DEPLOYMENT_POD.exec(pod);
  if (deployment) return { kind: 'deployment', name: deployment[1]! };
  const statefulset = STATEFULSET_POD.exec(pod);
  if (statefulset) return { kind: 'statefulset', name: statefulset[1]! };
  return undefined;
}

/** What runs a pod, as Kubernetes says: its controller (a Deployment through its ReplicaSet), or the pod itself. */
export interface PodWorkload {
  kind: WorkloadKind | 'replicaset' | 'job' | 'daemonset' | 'pod' | 'other';
  /** The workload's name; for `other`, `Kind/name`; for `pod`, the pod's own. */
  name: string;
}

/**
 * The workload that runs a pod, from the pod alone: its controller ownerReference (`controller: true`; an owner that is
 * not the controller only keeps the pod from garbage collection, it does not run it, so a pod with no controller is a
 * bare `pod`). A ReplicaSet pod is its Deployment's when its `pod-template-hash` label ends the ReplicaSet's name (the
 * Deployment controller names its ReplicaSets `<deployment>-<hash>` and labels their pods with the hash); without the
 * label the ReplicaSet was not made by a Deployment and is the workload itself.
 */
export function workloadOfPod(pod: Pod): PodWorkload {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller === true);
  if (owner === undefined) return { kind: 'pod', name: pod.metadata?.name ?? '' };
  switch (owner.kind) {
    case 'ReplicaSet': {
      const hash = pod.metadata?.labels?.['pod-template-hash'];
      return hash && owner.name.endsWith(`-${hash}`)
        ? { kind: 'deployment', name: owner.name.slice(0, -(hash.length + 1)) }
        : { kind: 'replicaset', name: owner.name };
    }
    case 'StatefulSet':
      return { kind: 'statefulset', name: owner.name };
    case 'Job':
      return { kind: 'job', name: owner.name };
    case 'DaemonSet':
      return { kind: 'daemonset', name: owner.name };
    default:
      return { kind: 'other', name: `${owner.kind}/${owner.name}` };
  }
}

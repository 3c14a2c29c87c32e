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

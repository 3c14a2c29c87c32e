import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Catalogue } from '../../catalogue.js';
import type { Kube } from '../../integrations/kubernetes.js';
import { workloadOfPod } from '../incidents/owner.js';

/** A pod a cleanup task would delete (or spares): enough to name it, delete exactly it, and say why. */
export interface CleanupPod {
  namespace: string;
  name: string;
  uid: string;
  /** Why it failed, e.g. `Error (exit 1)`. */
  reason: string;
  /** What runs it: `job/kafka-topics-init`, `deployment/x`, or `pod` for a bare pod. */
  owner: string;
}

export interface CleanupSelection {
  /** Failed pods of non-critical workloads: what would be deleted. */
  pods: CleanupPod[];
  /** Failed pods the selectors matched that belong to a critical service: never deleted. */
  spared: CleanupPod[];
  /** Set when the selection is too large to be trusted: nothing is deleted. */
  refusal?: string;
}

/** True for a pod of a service the catalogue calls critical: cleanup never touches those. */
export function isCritical(pod: Pod, catalogue: Catalogue): boolean {
  const { kind, name } = workloadOfPod(pod);
  return catalogue.services.some(
    (s) => s.critical && s.namespace === pod.metadata?.namespace && s.kind === kind && s.workload === name,
  );
}

function describe(pod: Pod): CleanupPod {
  const { kind, name } = workloadOfPod(pod);
  const terminated = pod.status?.containerStatuses?.find((c) => c.state?.terminated)?.state?.terminated;
  const reason = terminated
    ? `${terminated.reason ?? 'Error'}${terminated.exitCode !== undefined ? ` (exit ${terminated.exitCode})` : ''}`
    : (pod.status?.reason ?? 'Failed');
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    reason,
    owner: kind === 'pod' ? 'pod' : `${kind}/${name}`,
  };
}

/**
 * Pure: from the pods the selectors returned, the failed ones (phase Failed, not already being deleted)
 * split into those to delete and those of critical services, which are spared whatever the selector says.
 */
export function selectFailedPods(pods: readonly Pod[], catalogue: Catalogue, maxPods: number): CleanupSelection {
  const failed = pods.filter((p) => p.status?.phase === 'Failed' && p.metadata?.deletionTimestamp === undefined);
  const seen = new Set<string>();
  const unique = failed.filter((p) => {
    const key = p.metadata?.uid ?? `${p.metadata?.namespace}/${p.metadata?.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const spared = unique.filter((p) => isCritical(p, catalogue)).map(describe);
  const selected = unique.filter((p) => !isCritical(p, catalogue)).map(describe);
  selected.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  const selection: CleanupSelection = { pods: selected, spared };
  if (selected.length > maxPods) {
    selection.refusal =
      `the selectors match ${selected.length} failed pods, ` +
      `more than this task's limit of ${maxPods}: nothing was deleted. ` +
      'Narrow the selectors or raise maxPods in the runbook.';
  }
  return selection;
}

/** Lists what the targets select (failed pods only, asked of the API server by field selector) and selects from it. */
export async function findFailedPods(
  kube: Kube,
  catalogue: Catalogue,
  targets: readonly { namespace: string; selector: string }[],
  maxPods: number,
): Promise<CleanupSelection> {
  const pods: Pod[] = [];
  for (const target of targets) {
    pods.push(
      ...(await kube.listPods({
        namespace: target.namespace,
        labelSelector: target.selector,
        fieldSelector: 'status.phase=Failed',
      })),
    );
  }
  return selectFailedPods(pods, catalogue, maxPods);
}

// The ReplicaSet controller: keeps spec.replicas active pods, deleting the least useful first
// (controller.ActivePodsWithRanks), and reports replicas/ready/available (ready for minReadySeconds) in status.
import type { Cluster } from '../cluster.js';
import { isActive, isPodReady } from '../pod-status.js';
import { rfc3339 } from '../duration.js';
import { ApiError } from '../status.js';
import type { Condition, KubeObject, Pod, PodTemplate, ReplicaSet } from '../types.js';
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

/** A pod from the owner's template, with its controller reference; kubelet takes it from there. Named
 * `name`, or (name '') by the API server from `generateName`. Throws the API's refusal (admission). */
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

/** How long a controller waits before trying again to create a pod the API server refused. */
const RETRY_FAILED_CREATE_MS = 2_000;

/**
 * Creates a controller's pod. On success the SuccessfulCreate event; when the API server refuses it
 * (admission: quota, LimitRange) the FailedCreate event on the owner (repeats aggregated into its count)
 * and a retry later, as the real controllers' rate-limited queue does. Returns the refusal.
 */
export function createOrRecordFailure(
  cluster: Cluster,
  owner: KubeObject,
  resource: 'replicasets' | 'statefulsets' | 'daemonsets',
  created: (name: string) => string,
  create: () => Pod,
  failed: (message: string) => string = (message) => `Error creating: ${message}`,
): ApiError | undefined {
  const source = {
    component:
      resource === 'replicasets'
        ? 'replicaset-controller'
        : resource === 'statefulsets'
          ? 'statefulset-controller'
          : 'daemonset-controller',
  };
  try {
    const pod = create();
    cluster.recordEvent(owner, {
      type: 'Normal',
      reason: 'SuccessfulCreate',
      message: created(pod.metadata.name),
      source,
    });
    return undefined;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    cluster.recordEvent(
      owner,
      { type: 'Warning', reason: 'FailedCreate', message: failed(error.message), source },
      { aggregate: true },
    );
    cluster.requeue(resource, owner.metadata.namespace as string, owner.metadata.name, RETRY_FAILED_CREATE_MS);
    return error;
  }
}

/** The ReplicaFailure condition: set (once) while creating pods fails, removed when it works again. */
function replicaFailure(cluster: Cluster, rs: ReplicaSet, failure: ApiError | undefined): Condition[] | undefined {
  const conditions = (rs.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
  const current = conditions.find((c) => c.type === 'ReplicaFailure');
  const next =
    failure && !current
      ? [
          ...conditions,
          {
            type: 'ReplicaFailure',
            status: 'True',
            lastTransitionTime: rfc3339(cluster.now()),
            reason: 'FailedCreate',
            message: failure.message,
          } as Condition,
        ]
      : !failure && current
        ? conditions.filter((c) => c !== current)
        : conditions;
  return next.length > 0 ? next : undefined;
}

export function reconcileReplicaSet(cluster: Cluster, namespace: string, name: string): void {
  const rs = cluster.store.get('replicasets', namespace, name) as ReplicaSet | undefined;
  if (!rs || rs.metadata.deletionTimestamp) return;
  const pods = podsOf(cluster, rs).filter(isActive);
  const desired = rs.spec.replicas ?? 1;
  const source = { component: 'replicaset-controller' };
  let failure: ApiError | undefined;
  if (pods.length < desired) {
    for (let i = pods.length; i < desired && !failure; i++) {
      failure = createOrRecordFailure(
        cluster,
        rs,
        'replicasets',
        (created) => `Created pod: ${created}`,
        () => createPodFor(cluster, rs, '', {}, `${rs.metadata.name}-`),
      );
    }
  } else if (pods.length > desired) {
    for (const pod of [...pods].sort(deletionOrder).slice(0, pods.length - desired)) {
      cluster.terminatePod(pod);
      cluster.recordEvent(rs, {
        type: 'Normal',
        reason: 'SuccessfulDelete',
        message: `Deleted pod: ${pod.metadata.name}`,
        source,
      });
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
      conditions: replicaFailure(cluster, rs, failure),
    },
    ['replicas'],
  );
  cluster.save('replicasets', { ...rs, status });
}

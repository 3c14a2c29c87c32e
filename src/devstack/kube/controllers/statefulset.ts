// The StatefulSet controller (OrderedReady, RollingUpdate): pods name-0..N-1 created in order, each
// waiting for the previous to be Running and Ready; an update replaces one pod at a time from the highest
// ordinal down, and only while every other pod is healthy, so one broken pod stalls it as on a real cluster.
// Each template is a ControllerRevision (history.ts) whose name the pods carry.
import type { Cluster } from '../cluster.js';
import { templateHash } from '../ids.js';
import { isActive, isPodReady } from '../pod-status.js';
import type { Pod, StatefulSet } from '../types.js';
import { createOrRecordFailure, createPodFor } from './replicaset.js';
import { syncRevisions, truncateRevisions } from './history.js';
import { countAvailable, omitZero, podsOf } from './util.js';

const REVISION_LABEL = 'controller-revision-hash';

/** The name of the revision a new StatefulSet's template gets (its pods' controller-revision-hash). */
export function revisionOf(sts: StatefulSet): string {
  return `${sts.metadata.name}-${templateHash(sts.spec.template)}`;
}

const ordinalOf = (sts: StatefulSet, pod: Pod): number => {
  const suffix = pod.metadata.name.slice(sts.metadata.name.length + 1);
  return /^\d+$/.test(suffix) ? Number(suffix) : -1;
};

const healthy = (pod: Pod): boolean =>
  pod.status.phase === 'Running' && isPodReady(pod) && !pod.metadata.deletionTimestamp;

/** One step towards the desired state; returns after any action, as the monotonic real controller does. */
function step(cluster: Cluster, sts: StatefulSet, pods: Map<number, Pod>, updateRevision: string): void {
  const replicas = sts.spec.replicas ?? 1;
  const monotonic = sts.spec.podManagementPolicy !== 'Parallel';
  const source = { component: 'statefulset-controller' };
  const name = sts.metadata.name;
  for (let i = 0; i < replicas; i++) {
    const pod = pods.get(i);
    if (!pod) {
      const podName = `${name}-${i}`;
      if (cluster.store.get('pods', sts.metadata.namespace, podName)) return; // a pod of that name exists but is not ours
      const failure = createOrRecordFailure(
        cluster,
        sts,
        'statefulsets',
        () => `create Pod ${podName} in StatefulSet ${name} successful`,
        () =>
          createPodFor(cluster, sts, podName, {
            [REVISION_LABEL]: updateRevision,
            'statefulset.kubernetes.io/pod-name': podName,
            'apps.kubernetes.io/pod-index': String(i),
          }),
        (message) => `create Pod ${podName} in StatefulSet ${name} failed error: ${message}`,
      );
      if (monotonic || failure) return;
    } else if (monotonic && !healthy(pod)) return;
  }
  const condemned = [...pods.entries()].filter(([i]) => i >= replicas).sort(([a], [b]) => b - a);
  for (const [, pod] of condemned) {
    cluster.terminatePod(pod);
    cluster.recordEvent(sts, {
      type: 'Normal',
      reason: 'SuccessfulDelete',
      message: `delete Pod ${pod.metadata.name} in StatefulSet ${name} successful`,
      source,
    });
    if (monotonic) return;
  }
  if ((sts.spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return;
  const partition = sts.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
  for (let i = replicas - 1; i >= partition; i--) {
    const pod = pods.get(i);
    if (!pod) return;
    if (pod.metadata.labels?.[REVISION_LABEL] !== updateRevision && !pod.metadata.deletionTimestamp) {
      cluster.terminatePod(pod);
      cluster.recordEvent(sts, {
        type: 'Normal',
        reason: 'SuccessfulDelete',
        message: `delete Pod ${pod.metadata.name} in StatefulSet ${name} successful`,
        source,
      });
      return;
    }
    if (!healthy(pod)) return;
  }
}

export function reconcileStatefulSet(cluster: Cluster, namespace: string, name: string): void {
  const sts = cluster.store.get('statefulsets', namespace, name) as StatefulSet | undefined;
  if (!sts || sts.metadata.deletionTimestamp) return;
  const updateRevision = syncRevisions(cluster, sts).metadata.name;
  const ordinals = (): Map<number, Pod> =>
    new Map(
      podsOf(cluster, sts)
        .filter((p) => isActive(p) || p.metadata.deletionTimestamp)
        .map((p) => [ordinalOf(sts, p), p]),
    );
  step(cluster, sts, ordinals(), updateRevision);

  const pods = [...ordinals().values()].filter(isActive);
  const replicas = sts.spec.replicas ?? 1;
  const ready = pods.filter(isPodReady).length;
  let currentRevision = sts.status?.currentRevision ?? updateRevision;
  const updated = pods.filter((p) => p.metadata.labels?.[REVISION_LABEL] === updateRevision).length;
  // completeRollingUpdate: once every pod runs the new revision and is ready, it becomes the current one.
  if (updated === replicas && pods.length === replicas && ready === replicas) currentRevision = updateRevision;
  const current = pods.filter((p) => p.metadata.labels?.[REVISION_LABEL] === currentRevision).length;
  const running = new Set([currentRevision, updateRevision, ...pods.map((p) => p.metadata.labels?.[REVISION_LABEL])]);
  truncateRevisions(cluster, sts, (r) => running.has(r.metadata.name));
  const status = omitZero(
    {
      observedGeneration: sts.metadata.generation,
      replicas: pods.length,
      readyReplicas: ready,
      currentReplicas: current,
      updatedReplicas: updated,
      currentRevision,
      updateRevision,
      collisionCount: 0,
      availableReplicas: countAvailable(cluster, 'statefulsets', sts, pods, sts.spec.minReadySeconds ?? 0),
    },
    ['replicas', 'collisionCount', 'availableReplicas'],
  );
  cluster.save('statefulsets', { ...sts, status });
}

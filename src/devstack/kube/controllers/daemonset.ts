// The DaemonSet controller: one pod per node, replaced one at a time (maxUnavailable 1) when the
// template changes; each template is a ControllerRevision (history.ts) whose hash the pods carry.
import type { Cluster } from '../cluster.js';
import { isActive, isPodReady } from '../pod-status.js';
import type { DaemonSet, Pod } from '../types.js';
import { createOrRecordFailure, createPodFor } from './replicaset.js';
import { REVISION_HASH, syncRevisions, truncateRevisions } from './history.js';
import { countAvailable, omitZero, podsOf } from './util.js';

export function reconcileDaemonSet(cluster: Cluster, namespace: string, name: string): void {
  const ds = cluster.store.get('daemonsets', namespace, name) as DaemonSet | undefined;
  if (!ds || ds.metadata.deletionTimestamp) return;
  const hash = syncRevisions(cluster, ds).metadata.labels?.[REVISION_HASH] ?? '';
  const nodes = [...cluster.store.scan('nodes')].map(([, n]) => n.metadata.name);
  const source = { component: 'daemonset-controller' };
  const pods = (): Pod[] => podsOf(cluster, ds).filter((p) => isActive(p) || p.metadata.deletionTimestamp);
  const current = pods();
  const unavailable = current.filter((p) => !isPodReady(p) || p.metadata.deletionTimestamp).length;
  let budget = 1 - unavailable;
  for (const node of nodes) {
    const pod = current.find((p) => p.spec.nodeName === node);
    if (!pod) {
      createOrRecordFailure(
        cluster,
        ds,
        'daemonsets',
        (created) => `Created pod: ${created}`,
        () =>
          createPodFor(
            cluster,
            {
              ...ds,
              spec: {
                ...ds.spec,
                template: { ...ds.spec.template, spec: { ...ds.spec.template.spec, nodeName: node } },
              },
            },
            '',
            { 'controller-revision-hash': hash, 'pod-template-generation': String(ds.metadata.generation ?? 1) },
            `${name}-`,
          ),
      );
    } else if (
      pod.metadata.labels?.['controller-revision-hash'] !== hash &&
      !pod.metadata.deletionTimestamp &&
      (budget > 0 || !isPodReady(pod))
    ) {
      if (isPodReady(pod)) budget--;
      cluster.terminatePod(pod);
      cluster.recordEvent(ds, {
        type: 'Normal',
        reason: 'SuccessfulDelete',
        message: `Deleted pod: ${pod.metadata.name}`,
        source,
      });
    }
  }
  const active = pods().filter(isActive);
  const ready = active.filter(isPodReady).length;
  const available = countAvailable(cluster, 'daemonsets', ds, active, ds.spec.minReadySeconds ?? 0);
  const running = new Set([hash, ...active.map((p) => p.metadata.labels?.['controller-revision-hash'])]);
  truncateRevisions(cluster, ds, (r) => running.has(r.metadata.labels?.[REVISION_HASH]));
  const status = omitZero(
    {
      currentNumberScheduled: nodes.filter((n) => active.some((p) => p.spec.nodeName === n)).length,
      numberMisscheduled: 0,
      desiredNumberScheduled: nodes.length,
      numberReady: ready,
      observedGeneration: ds.metadata.generation,
      updatedNumberScheduled: active.filter((p) => p.metadata.labels?.['controller-revision-hash'] === hash).length,
      numberAvailable: available,
      numberUnavailable: Math.max(0, nodes.length - available),
    },
    ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady'],
  );
  cluster.save('daemonsets', { ...ds, status });
}

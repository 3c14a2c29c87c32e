// ControllerRevisions, after pkg/controller/history and the StatefulSet controller's getStatefulSetRevisions
// (the DaemonSet controller keeps them alike): one per pod template a workload has run, numbered, so
// `kubectl rollout history` lists them and `kubectl rollout undo` patches one back. Going back to an
// earlier template reuses its revision and gives it the next number; idle revisions beyond
// revisionHistoryLimit are deleted.
import type { Cluster } from '../cluster.js';
import { templateHash } from '../ids.js';
import type { ControllerRevision, DaemonSet, JsonObject, PodTemplate, StatefulSet } from '../types.js';
import { semanticallyEqual } from './template.js';
import { ownedBy, ownerReference } from './util.js';

/** The label a revision carries its hash in. */
export const REVISION_HASH = 'controller.kubernetes.io/hash';

type Workload = StatefulSet | DaemonSet;

/** Keys sorted at every level, as Go's json.Marshal writes the map the real controller builds, so kubectl
 * (which compares its own encoding byte for byte) can tell that a revision is the current template. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as JsonObject)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, sorted(v)]),
  );
}

/** getPatch: the workload's template as a strategic merge patch that replaces spec.template. */
function dataOf(template: PodTemplate): ControllerRevision['data'] {
  const metadata = { creationTimestamp: null, ...template.metadata };
  return sorted({ spec: { template: { ...template, metadata, $patch: 'replace' } } }) as ControllerRevision['data'];
}

const templateOf = (revision: ControllerRevision): PodTemplate => {
  const template = { ...revision.data.spec.template };
  delete template.$patch;
  return template;
};

/** The revisions of a workload, oldest first. */
function revisionsOf(cluster: Cluster, owner: Workload): ControllerRevision[] {
  return ownedBy<ControllerRevision>(cluster, 'controllerrevisions', owner).sort((a, b) => a.revision - b.revision);
}

function createRevision(cluster: Cluster, owner: Workload, revision: number): ControllerRevision {
  const { namespace, name } = owner.metadata;
  for (let collisions = 0; ; collisions++) {
    const hash = templateHash(collisions === 0 ? owner.spec.template : { template: owner.spec.template, collisions });
    if (cluster.store.get('controllerrevisions', namespace, `${name}-${hash}`)) continue;
    return cluster.create('controllerrevisions', {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${name}-${hash}`,
        namespace,
        labels: { ...owner.spec.template.metadata?.labels, [REVISION_HASH]: hash },
        ownerReferences: [ownerReference(owner)],
        uid: '',
        resourceVersion: '',
        creationTimestamp: '',
      },
      data: dataOf(owner.spec.template),
      revision,
    }) as ControllerRevision;
  }
}

/** The revision of the workload's current template (its update revision), made or renumbered if need be. */
export function syncRevisions(cluster: Cluster, owner: Workload): ControllerRevision {
  const revisions = revisionsOf(cluster, owner);
  const latest = revisions.at(-1);
  const equal = revisions.filter((r) => semanticallyEqual(templateOf(r), owner.spec.template)).at(-1);
  if (equal && equal === latest) return equal;
  const next = (latest?.revision ?? 0) + 1;
  if (equal) return cluster.save('controllerrevisions', { ...equal, revision: next }) as ControllerRevision;
  return createRevision(cluster, owner, next);
}

/** truncateHistory: deletes the oldest revisions no pod runs and that are neither current nor the update,
 * beyond spec.revisionHistoryLimit. */
export function truncateRevisions(
  cluster: Cluster,
  owner: Workload,
  live: (revision: ControllerRevision) => boolean,
): void {
  const idle = revisionsOf(cluster, owner).filter((r) => !live(r));
  const excess = idle.length - (owner.spec.revisionHistoryLimit ?? 10);
  for (const r of idle.slice(0, Math.max(0, excess)))
    cluster.store.remove('controllerrevisions', r.metadata.namespace, r.metadata.name);
}

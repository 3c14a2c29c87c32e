// The Deployment controller, after pkg/controller/deployment: a template change gets a new ReplicaSet
// (name-<pod-template-hash>, next revision); RollingUpdate scales it up within maxSurge and old ones down
// within maxUnavailable (unhealthy old pods first); status and the Available/Progressing conditions move
// as the real controller moves them, including ProgressDeadlineExceeded; paused Deployments do not roll.
import type { Cluster } from '../cluster.js';
import { templateHash } from '../ids.js';
import { semanticallyEqual, withoutLabel } from './template.js';
import type { Condition, Deployment, PodTemplate, ReplicaSet } from '../types.js';
import { findCondition, newCondition, omitZero, ownedBy, ownerReference, scaled, setCondition, sum } from './util.js';

export const REVISION = 'deployment.kubernetes.io/revision';
const HASH_LABEL = 'pod-template-hash';

/** EqualIgnoreHash: the ReplicaSet that runs the Deployment's current template. */
export function sameTemplate(rs: ReplicaSet, template: PodTemplate): boolean {
  return semanticallyEqual(withoutLabel(rs.spec.template, HASH_LABEL), withoutLabel(template, HASH_LABEL));
}

const revisionOf = (rs: ReplicaSet): number => Number(rs.metadata.annotations?.[REVISION] ?? 0);

interface Rollout {
  cluster: Cluster;
  deployment: Deployment;
  replicas: number;
  maxSurge: number;
  maxUnavailable: number;
}

function fenceposts(d: Deployment, replicas: number): { maxSurge: number; maxUnavailable: number } {
  if (d.spec.strategy?.type === 'Recreate') return { maxSurge: 0, maxUnavailable: replicas };
  const rolling = d.spec.strategy?.rollingUpdate;
  const maxSurge = scaled(rolling?.maxSurge ?? '25%', replicas, true);
  const maxUnavailable = scaled(rolling?.maxUnavailable ?? '25%', replicas, false);
  return maxSurge === 0 && maxUnavailable === 0 ? { maxSurge, maxUnavailable: 1 } : { maxSurge, maxUnavailable };
}

function scale(r: Rollout, rs: ReplicaSet, to: number): ReplicaSet {
  const from = rs.spec.replicas ?? 0;
  const annotations = {
    ...rs.metadata.annotations,
    'deployment.kubernetes.io/desired-replicas': String(r.replicas),
    'deployment.kubernetes.io/max-replicas': String(r.replicas + r.maxSurge),
  };
  const saved = r.cluster.save('replicasets', {
    ...rs,
    metadata: { ...rs.metadata, annotations },
    spec: { ...rs.spec, replicas: to },
  }) as ReplicaSet;
  if (from !== to)
    r.cluster.recordEvent(r.deployment, {
      type: 'Normal',
      reason: 'ScalingReplicaSet',
      message: `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${to}`,
      source: { component: 'deployment-controller' },
    });
  return saved;
}

function createNewReplicaSet(r: Rollout, olds: ReplicaSet[]): ReplicaSet {
  const d = r.deployment;
  let collisions = 0;
  for (;;) {
    const hash = templateHash(collisions === 0 ? d.spec.template : { template: d.spec.template, collisions });
    const name = `${d.metadata.name}-${hash}`;
    if (r.cluster.store.get('replicasets', d.metadata.namespace, name)) {
      collisions++;
      continue;
    }
    const template = structuredClone(d.spec.template);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [HASH_LABEL]: hash } };
    const total = sum(olds.map((rs) => rs.spec.replicas));
    const initial =
      d.spec.strategy?.type === 'Recreate' ? 0 : Math.max(0, Math.min(r.replicas + r.maxSurge - total, r.replicas));
    const rs = r.cluster.create('replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: d.metadata.namespace,
        labels: { ...template.metadata.labels },
        annotations: {
          'deployment.kubernetes.io/desired-replicas': String(r.replicas),
          'deployment.kubernetes.io/max-replicas': String(r.replicas + r.maxSurge),
          [REVISION]: String(Math.max(0, ...olds.map(revisionOf)) + 1),
        },
        ownerReferences: [ownerReference(d)],
        uid: '',
        resourceVersion: '',
        creationTimestamp: '',
      },
      spec: {
        replicas: initial,
        minReadySeconds: d.spec.minReadySeconds ?? 0,
        selector: { ...d.spec.selector, matchLabels: { ...d.spec.selector.matchLabels, [HASH_LABEL]: hash } },
        template,
      },
      status: { replicas: 0 },
    }) as ReplicaSet;
    if (initial > 0)
      r.cluster.recordEvent(d, {
        type: 'Normal',
        reason: 'ScalingReplicaSet',
        message: `Scaled up replica set ${name} from 0 to ${initial}`,
        source: { component: 'deployment-controller' },
      });
    return rs;
  }
}

/** One step of a rolling update; true when it scaled something (the real controller then just syncs status). */
function rollingStep(r: Rollout, newRS: ReplicaSet, olds: ReplicaSet[]): boolean {
  const current = newRS.spec.replicas ?? 0;
  if (current > r.replicas) {
    scale(r, newRS, r.replicas);
    return true;
  }
  const all = [newRS, ...olds];
  if (current < r.replicas) {
    const up = Math.min(r.replicas + r.maxSurge - sum(all.map((rs) => rs.spec.replicas)), r.replicas - current);
    if (up > 0) {
      scale(r, newRS, current + up);
      return true;
    }
  }
  if (sum(olds.map((rs) => rs.spec.replicas)) === 0) return false;
  const minAvailable = r.replicas - r.maxUnavailable;
  const newUnavailable = current - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = sum(all.map((rs) => rs.spec.replicas)) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const target = new Map(olds.map((rs) => [rs, rs.spec.replicas ?? 0]));
  // A ReplicaSet cannot have more available pods than it is scaled to, whatever its status says yet.
  const available = (rs: ReplicaSet): number =>
    Math.min(rs.status?.availableReplicas ?? 0, target.get(rs) ?? rs.spec.replicas ?? 0);
  let cleaned = 0;
  for (const rs of olds) {
    const unhealthy = (target.get(rs) ?? 0) - available(rs);
    if (cleaned >= maxScaledDown || unhealthy <= 0) continue;
    const down = Math.min(maxScaledDown - cleaned, unhealthy);
    target.set(rs, (target.get(rs) ?? 0) - down);
    cleaned += down;
  }
  let toScaleDown = sum(all.map(available)) - minAvailable;
  for (const rs of olds) {
    if (toScaleDown <= 0) break;
    const down = Math.min(target.get(rs) ?? 0, toScaleDown);
    target.set(rs, (target.get(rs) ?? 0) - down);
    toScaleDown -= down;
  }
  let scaledDown = false;
  for (const [rs, replicas] of target)
    if (replicas !== (rs.spec.replicas ?? 0)) {
      scale(r, rs, replicas);
      scaledDown = true;
    }
  return scaledDown;
}

function recreateStep(r: Rollout, newRS: ReplicaSet, olds: ReplicaSet[]): boolean {
  const active = olds.filter((rs) => (rs.spec.replicas ?? 0) > 0);
  for (const rs of active) scale(r, rs, 0);
  if (active.length > 0 || olds.some((rs) => (rs.status?.replicas ?? 0) > 0)) return active.length > 0;
  if ((newRS.spec.replicas ?? 0) === r.replicas) return false;
  scale(r, newRS, r.replicas);
  return true;
}

/** Drops the oldest scaled-down ReplicaSets beyond spec.revisionHistoryLimit. */
function cleanupHistory(r: Rollout, olds: ReplicaSet[]): void {
  const idle = olds.filter((rs) => (rs.spec.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0);
  const excess = idle.length - (r.deployment.spec.revisionHistoryLimit ?? 10);
  for (const rs of idle.slice(0, Math.max(0, excess)))
    r.cluster.store.remove('replicasets', rs.metadata.namespace, rs.metadata.name);
}

type Status = NonNullable<Deployment['status']>;

function progressed(before: Status, after: Status): boolean {
  const oldReplicas = (s: Status): number => (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (after.updatedReplicas ?? 0) > (before.updatedReplicas ?? 0) ||
    oldReplicas(after) < oldReplicas(before) ||
    (after.readyReplicas ?? 0) > (before.readyReplicas ?? 0) ||
    (after.availableReplicas ?? 0) > (before.availableReplicas ?? 0)
  );
}

/** syncRolloutStatus: the Progressing condition, and when to look again for a deadline. */
function progressing(
  r: Rollout,
  newRS: ReplicaSet | undefined,
  before: Status,
  status: Status,
  conditions: Condition[],
): Condition[] {
  const d = r.deployment;
  const now = r.cluster.now();
  const current = findCondition(conditions, 'Progressing');
  if (status.replicas === status.updatedReplicas && current?.reason === 'NewReplicaSetAvailable') return conditions;
  const subject = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
  const complete =
    status.updatedReplicas === r.replicas &&
    status.replicas === r.replicas &&
    status.availableReplicas === r.replicas &&
    (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
  if (complete)
    return setCondition(
      conditions,
      newCondition('Progressing', true, 'NewReplicaSetAvailable', `${subject} has successfully progressed.`, now),
    );
  if (progressed(before, status)) {
    const next = newCondition('Progressing', true, 'ReplicaSetUpdated', `${subject} is progressing.`, now);
    if (current?.status === 'True') next.lastTransitionTime = current.lastTransitionTime;
    return [...conditions.filter((c) => c.type !== 'Progressing'), next];
  }
  if (!current || current.reason === 'ProgressDeadlineExceeded') return conditions;
  const deadlineMs = (d.spec.progressDeadlineSeconds ?? 600) * 1000 * r.cluster.options.progressDeadlineScale;
  // Condition times have whole seconds: count from the end of that second, so that deadlines scaled down
  // to a second or two are never early.
  const due = Date.parse(current.lastUpdateTime ?? current.lastTransitionTime ?? '') + 999 + deadlineMs;
  if (due < now)
    return setCondition(
      conditions,
      newCondition('Progressing', false, 'ProgressDeadlineExceeded', `${subject} has timed out progressing.`, now),
    );
  r.cluster.requeue('deployments', d.metadata.namespace as string, d.metadata.name, due - now + 1);
  return conditions;
}

/** getReplicaFailures: the new ReplicaSet's ReplicaFailure (else an old one's) becomes the Deployment's. */
function replicaFailure(conditions: Condition[], newRS: ReplicaSet | undefined, rss: ReplicaSet[]): Condition[] {
  const failureOf = (rs: ReplicaSet | undefined): Condition | undefined =>
    (rs?.status as { conditions?: Condition[] } | undefined)?.conditions?.find((c) => c.type === 'ReplicaFailure');
  const failure = failureOf(newRS) ?? rss.map(failureOf).find((c) => c !== undefined);
  const others = conditions.filter((c) => c.type !== 'ReplicaFailure');
  return failure ? [...others, { ...failure, lastUpdateTime: failure.lastTransitionTime }] : others;
}

export function reconcileDeployment(cluster: Cluster, namespace: string, name: string): void {
  const d = cluster.store.get('deployments', namespace, name) as Deployment | undefined;
  if (!d || d.metadata.deletionTimestamp) return;
  const replicas = d.spec.replicas ?? 1;
  const r: Rollout = { cluster, deployment: d, replicas, ...fenceposts(d, replicas) };
  const now = cluster.now();
  let conditions = d.status?.conditions ?? [];
  const pausedReason = findCondition(conditions, 'Progressing')?.reason;
  if (d.spec.paused && pausedReason !== 'DeploymentPaused')
    conditions = setCondition(
      conditions,
      newCondition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', now),
    );
  else if (!d.spec.paused && pausedReason === 'DeploymentPaused')
    conditions = setCondition(
      conditions,
      newCondition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed', now),
    );

  let rss = ownedBy<ReplicaSet>(cluster, 'replicasets', d);
  let newRS = rss.find((rs) => sameTemplate(rs, d.spec.template));
  let olds = rss.filter((rs) => rs !== newRS);
  if (!d.spec.paused) {
    if (!newRS) {
      newRS = createNewReplicaSet(r, olds);
      conditions = setCondition(
        conditions,
        newCondition(
          'Progressing',
          true,
          'NewReplicaSetCreated',
          `Created new replica set "${newRS.metadata.name}"`,
          now,
        ),
      );
    } else if (olds.some((rs) => revisionOf(rs) > revisionOf(newRS as ReplicaSet))) {
      // Rolling back to an older template makes its ReplicaSet the newest revision again.
      const revision = String(Math.max(...olds.map(revisionOf)) + 1);
      newRS = cluster.save('replicasets', {
        ...newRS,
        metadata: { ...newRS.metadata, annotations: { ...newRS.metadata.annotations, [REVISION]: revision } },
      }) as ReplicaSet;
      conditions = setCondition(
        conditions,
        newCondition('Progressing', true, 'FoundNewReplicaSet', `Found new replica set "${newRS.metadata.name}"`, now),
      );
    }
    if ((newRS.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0))
      newRS = cluster.save('replicasets', {
        ...newRS,
        spec: { ...newRS.spec, minReadySeconds: d.spec.minReadySeconds ?? 0 },
      }) as ReplicaSet;
    const acted = d.spec.strategy?.type === 'Recreate' ? recreateStep(r, newRS, olds) : rollingStep(r, newRS, olds);
    if (!acted) cleanupHistory(r, olds);
  } else if (newRS && olds.every((rs) => (rs.spec.replicas ?? 0) === 0) && (newRS.spec.replicas ?? 0) !== replicas) {
    scale(r, newRS, replicas); // a paused Deployment still scales, it only does not roll
  }

  rss = ownedBy<ReplicaSet>(cluster, 'replicasets', d);
  newRS = rss.find((rs) => rs.metadata.uid === newRS?.metadata.uid);
  olds = rss.filter((rs) => rs !== newRS);
  const available = sum(rss.map((rs) => rs.status?.availableReplicas));
  const counts: Status = {
    observedGeneration: d.metadata.generation,
    replicas: sum(rss.map((rs) => rs.status?.replicas)),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sum(rss.map((rs) => rs.status?.readyReplicas)),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, sum(rss.map((rs) => rs.spec.replicas)) - available),
  };
  conditions =
    available >= replicas - r.maxUnavailable
      ? setCondition(
          conditions,
          newCondition('Available', true, 'MinimumReplicasAvailable', 'Deployment has minimum availability.', now),
        )
      : setCondition(
          conditions,
          newCondition(
            'Available',
            false,
            'MinimumReplicasUnavailable',
            'Deployment does not have minimum availability.',
            now,
          ),
        );
  if (!d.spec.paused) conditions = progressing(r, newRS, d.status ?? {}, counts, conditions);
  conditions = replicaFailure(conditions, newRS, rss);
  const order = (c: Condition): number => (c.type === 'Available' ? 0 : c.type === 'Progressing' ? 1 : 2);
  const status = omitZero({ ...counts, conditions: [...conditions].sort((a, b) => order(a) - order(b)) });
  const revision = newRS?.metadata.annotations?.[REVISION];
  const annotations = revision ? { ...d.metadata.annotations, [REVISION]: revision } : d.metadata.annotations;
  cluster.save('deployments', { ...d, metadata: { ...d.metadata, ...(annotations ? { annotations } : {}) }, status });
}

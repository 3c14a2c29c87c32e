// Helpers the controllers share: ownership, condition bookkeeping, rollout fenceposts, and the
// omitempty rule that keeps zero counts out of status (clients see absent fields, as from a real cluster).
import { rfc3339 } from '../duration.js';
import type { Cluster } from '../cluster.js';
import { msUntilAvailable } from '../pod-status.js';
import type { Condition, IntOrString, KubeObject, OwnerReference, Pod } from '../types.js';

export function controllerOf(object: KubeObject): OwnerReference | undefined {
  return object.metadata.ownerReferences?.find((o) => o.controller);
}

export function ownerReference(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Objects of `resource` that the owner controls, oldest first. */
export function ownedBy<T extends KubeObject>(cluster: Cluster, resource: string, owner: KubeObject): T[] {
  const out = cluster.store.controlledBy(resource, owner.metadata.uid) as T[];
  return out.sort(
    (a, b) =>
      a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp) ||
      a.metadata.name.localeCompare(b.metadata.name),
  );
}

export function podsOf(cluster: Cluster, owner: KubeObject): Pod[] {
  return ownedBy<Pod>(cluster, 'pods', owner);
}

export function findCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** SetDeploymentCondition: an unchanged status and reason keep the old condition (and its times). */
export function setCondition(conditions: Condition[] | undefined, next: Condition): Condition[] {
  const list = conditions ?? [];
  const current = findCondition(list, next.type);
  if (current && current.status === next.status && current.reason === next.reason) return list;
  const kept =
    current && current.status === next.status ? { ...next, lastTransitionTime: current.lastTransitionTime } : next;
  return [...list.filter((c) => c.type !== next.type), kept];
}

export function newCondition(
  type: string,
  status: boolean | 'Unknown',
  reason: string,
  message: string,
  now: number,
): Condition {
  const at = rfc3339(now);
  return {
    type,
    status: status === 'Unknown' ? 'Unknown' : status ? 'True' : 'False',
    lastUpdateTime: at,
    lastTransitionTime: at,
    reason,
    message,
  };
}

/** intstr.GetScaledValueFromIntOrPercent. */
export function scaled(value: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const percent = Number(value.replace('%', ''));
  return roundUp ? Math.ceil((percent * total) / 100) : Math.floor((percent * total) / 100);
}

/** Drops zero-valued counters, as Go's omitempty does on the wire. */
export function omitZero<T extends object>(status: T, required: string[] = []): T {
  return Object.fromEntries(
    Object.entries(status).filter(([k, v]) => required.includes(k) || (v !== 0 && v !== undefined)),
  ) as T;
}

export const sum = (values: (number | undefined)[]): number => values.reduce<number>((a, b) => a + (b ?? 0), 0);

/** How many of the pods are available (ready for minReadySeconds); if some ready ones are not yet, the
 * owner is looked at again when the first of them will be, as the real controllers requeue after
 * minReadySeconds. */
export function countAvailable(
  cluster: Cluster,
  resource: string,
  owner: KubeObject,
  pods: Pod[],
  minReadySeconds: number,
): number {
  const now = cluster.now();
  const waits = pods
    .map((p) => msUntilAvailable(p, minReadySeconds, now))
    .filter((ms): ms is number => ms !== undefined);
  const pending = waits.filter((ms) => ms > 0);
  if (pending.length > 0)
    cluster.requeue(resource, owner.metadata.namespace as string, owner.metadata.name, Math.min(...pending));
  return waits.length - pending.length;
}

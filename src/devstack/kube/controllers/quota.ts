// The resource quota controller: status.hard is spec.hard, status.used what the namespace holds of each
// resource named there, recomputed when its pods (or other counted objects) change.
// - pods, and requests.*/limits.* (cpu, memory, any other): over pods that are not Succeeded or Failed,
//   the sum of their containers' requests (a missing request counts its limit, as the API defaults it)
//   or limits; an init container counts when it asks for more than all app containers together;
// - services, configmaps, secrets, resourcequotas, persistentvolumeclaims and count/<resource>[.<group>]:
//   object counts (PersistentVolumeClaims are not served, so they and requests.storage stay 0).
// Admission (admission.ts) enforces them on new pods with this same arithmetic.
import type { Cluster } from '../cluster.js';
import type { Quantity } from '../quantity.js';
import { addQuantities, formatQuantity, parseQuantity } from '../quantity.js';
import { RESOURCES } from '../resources.js';
import type { KubeObject, Pod } from '../types.js';
import { isRecord } from '../types.js';

const ZERO: Quantity = { nanos: 0n, format: 'DecimalSI' };
const COUNTED: Record<string, string> = {
  pods: 'pods',
  services: 'services',
  configmaps: 'configmaps',
  secrets: 'secrets',
  resourcequotas: 'resourcequotas',
  replicationcontrollers: 'replicationcontrollers',
  persistentvolumeclaims: 'persistentvolumeclaims',
};

const countsForQuota = (pod: Pod): boolean => pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';

function containerAmount(container: unknown, kind: 'requests' | 'limits', resource: string): Quantity {
  const resources = isRecord(container) && isRecord(container['resources']) ? container['resources'] : {};
  const own = isRecord(resources[kind]) ? resources[kind][resource] : undefined;
  const fallback = kind === 'requests' && isRecord(resources['limits']) ? resources['limits'][resource] : undefined;
  return parseQuantity(own ?? fallback) ?? ZERO;
}

type WithPodSpec = { spec?: unknown; [key: string]: unknown };

/** PodRequests/PodLimits: app containers summed, or the largest init container if that is more. */
export function podAmount(pod: WithPodSpec, kind: 'requests' | 'limits', resource: string): Quantity {
  const spec = isRecord(pod.spec) ? pod.spec : {};
  const containers = Array.isArray(spec['containers']) ? spec['containers'] : [];
  const sum = addQuantities(containers.map((c) => containerAmount(c, kind, resource)));
  const inits = Array.isArray(spec['initContainers']) ? spec['initContainers'] : [];
  for (const c of inits) {
    const q = containerAmount(c, kind, resource);
    if (q.nanos > sum.nanos) return q;
  }
  return sum;
}

/** Whether any container of the pod states the quota resource (`cpu`, `requests.memory`, `limits.cpu`);
 * a limit without a request counts as the request, which API defaulting copies from it. */
export function podHas(pod: WithPodSpec, resource: string): boolean {
  if (resource === 'pods' || resource === 'count/pods') return true;
  const dot = resource.indexOf('.');
  const kind = dot >= 0 && resource.slice(0, dot) === 'limits' ? 'limits' : 'requests';
  const name = dot < 0 ? resource : resource.slice(dot + 1);
  const spec = isRecord(pod.spec) ? pod.spec : {};
  const containers = [spec['containers'], spec['initContainers']].flatMap((list) => (Array.isArray(list) ? list : []));
  return containers.some((c) => {
    const resources = isRecord(c) && isRecord(c['resources']) ? c['resources'] : {};
    const stated = (k: string): boolean => isRecord(resources[k]) && resources[k][name] !== undefined;
    return stated(kind) || (kind === 'requests' && stated('limits'));
  });
}

function count(cluster: Cluster, plural: string, namespace: string): number {
  let n = 0;
  for (const [, object] of cluster.store.scan(plural, namespace))
    if (plural !== 'pods' || countsForQuota(object as Pod)) n++;
  return n;
}

/** count/deployments.apps, count/pods: the resource named, if the stand-in serves it. */
function countResource(cluster: Cluster, name: string, namespace: string): number {
  const [plural, ...group] = name.split('.');
  const info = RESOURCES.find((r) => r.plural === plural && r.group === group.join('.'));
  return info?.namespaced ? count(cluster, info.plural, namespace) : 0;
}

export function usedFor(cluster: Cluster, namespace: string, resources: string[]): Record<string, string> {
  const pods = [...cluster.store.scan('pods', namespace)].map(([, o]) => o as Pod).filter(countsForQuota);
  const used: Record<string, string> = {};
  for (const resource of resources) {
    if (COUNTED[resource]) used[resource] = String(count(cluster, COUNTED[resource], namespace));
    else if (resource.startsWith('count/'))
      used[resource] = String(countResource(cluster, resource.slice('count/'.length), namespace));
    else if (resource === 'requests.storage' || resource.endsWith('.storageclass.storage.k8s.io/requests.storage'))
      used[resource] = '0';
    else {
      const dot = resource.indexOf('.');
      const prefix = dot < 0 ? 'requests' : resource.slice(0, dot);
      const name = dot < 0 ? resource : resource.slice(dot + 1);
      const kind = prefix === 'limits' ? 'limits' : 'requests';
      used[resource] = formatQuantity(addQuantities(pods.map((p) => podAmount(p, kind, name))));
    }
  }
  return used;
}

export function reconcileQuota(cluster: Cluster, namespace: string, name: string): void {
  const quota = cluster.store.get('resourcequotas', namespace, name) as KubeObject | undefined;
  if (!quota) return;
  const spec = isRecord(quota['spec']) ? quota['spec'] : {};
  const hard = isRecord(spec['hard']) ? (spec['hard'] as Record<string, string>) : {};
  cluster.save('resourcequotas', {
    ...quota,
    status: { hard: { ...hard }, used: usedFor(cluster, namespace, Object.keys(hard)) },
  });
}

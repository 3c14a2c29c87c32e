import type { Deployment, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { ConfigMap, Pod } from 'kubernetes-types/core/v1.js';
import type { WorkloadKind } from '../../catalogue.js';
import { UserError } from '../../errors.js';
import { KubeApiError, type Kube } from '../../integrations/kubernetes.js';
import type { PodRunners } from './consumers.js';

/**
 * The ConfigMap, workload and pod calls of the vault jobs. ConfigMaps hold secret values, so no error from
 * here carries a response body or a request body (a 422 may echo a value back): every failure is retold
 * with its HTTP status and what was attempted, names only.
 */
export class KubeCallFailed extends UserError {
  constructor(
    readonly what: string,
    readonly status: number | undefined,
  ) {
    const why =
      status === 409 || status === 422
        ? ': it changed meanwhile'
        : status === 403
          ? ': carbon-ops lacks the RBAC permission'
          : '';
    super(`The Kubernetes API refused to ${what}${status === undefined ? '' : ` (HTTP ${status}${why})`}.`);
  }
}

async function call<T>(what: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (error instanceof KubeApiError) throw new KubeCallFailed(what, error.code);
    if (error instanceof UserError) throw error; // ClusterUnavailable: the server and the status code only
    throw new KubeCallFailed(what, undefined);
  }
}

export function readConfigMap(kube: Kube, namespace: string, name: string): Promise<ConfigMap | undefined> {
  return call(`read configmap ${namespace}/${name}`, () => kube.readConfigMap(namespace, name));
}

/** Every ConfigMap (of one namespace, or all), in pages. */
export function listConfigMaps(kube: Kube, namespace: string | undefined): Promise<ConfigMap[]> {
  return call('list configmaps', () => kube.listConfigMaps(namespace));
}

/** Of a pod, what tells whether and how it reads a ConfigMap: who controls it, its spec, whether it has finished. */
const readerView = ({ metadata, spec, status }: Pod): Pod => ({
  metadata: { name: metadata?.name, uid: metadata?.uid, ownerReferences: metadata?.ownerReferences },
  spec,
  status: { phase: status?.phase },
});

/** Listings under way, by client and namespace: see listPodRunners' shareInFlight. */
const inFlight = new WeakMap<Kube, Map<string, Promise<PodRunners>>>();

/**
 * Everything in the namespace that runs pods (each kind with a pod template, and the pods): where a ConfigMap's
 * readers are. Pods keep only what the readers need (a namespace may hold thousands).
 * `shareInFlight`: a listing of the namespace already under way is joined instead of sent again (seven list calls):
 * for plans, which only show the readers (plans of one namespace asked together, as a batch, share them). The
 * cutover, which decides from the readers what may leave a ConfigMap, always lists afresh.
 */
export function listPodRunners(
  kube: Kube,
  namespace: string,
  { shareInFlight = false }: { shareInFlight?: boolean } = {},
): Promise<PodRunners> {
  if (!shareInFlight) return listNow(kube, namespace);
  let byNamespace = inFlight.get(kube);
  if (byNamespace === undefined) inFlight.set(kube, (byNamespace = new Map()));
  const running = byNamespace.get(namespace);
  if (running !== undefined) return running;
  const listing = listNow(kube, namespace).finally(() => byNamespace.delete(namespace));
  byNamespace.set(namespace, listing);
  return listing;
}

function listNow(kube: Kube, namespace: string): Promise<PodRunners> {
  return call(`list workloads and pods in ${namespace}`, async () => {
    const scope = { namespace };
    const [deployments, statefulSets, daemonSets, replicaSets, jobs, cronJobs, pods] = await Promise.all([
      kube.listDeployments(scope),
      kube.listStatefulSets(scope),
      kube.listPodOwners('DaemonSet', scope),
      kube.listPodOwners('ReplicaSet', scope),
      kube.listPodOwners('Job', scope),
      kube.listPodOwners('CronJob', scope),
      kube.listPods({ ...scope, select: readerView }),
    ]);
    return { deployments, statefulSets, daemonSets, replicaSets, jobs, cronJobs, pods };
  });
}

const pointer = (key: string) => `/data/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/**
 * A JSON patch of the ConfigMap's data that applies only to the version read (`test` of
 * metadata.resourceVersion): a concurrent edit makes it fail with 422 instead of being overwritten.
 */
function patchData(
  kube: Kube,
  namespace: string,
  name: string,
  resourceVersion: string,
  ops: object[],
  what: string,
): Promise<ConfigMap> {
  const body = [{ op: 'test', path: '/metadata/resourceVersion', value: resourceVersion }, ...ops];
  const described = `${what} in configmap ${namespace}/${name}`;
  return call(described, () => kube.patch<ConfigMap>('ConfigMap', namespace, name, 'json', body, described));
}

export function removeConfigMapKeys(kube: Kube, configMap: ConfigMap, keys: readonly string[]): Promise<ConfigMap> {
  const { namespace = '', name = '', resourceVersion = '' } = configMap.metadata ?? {};
  return patchData(
    kube,
    namespace,
    name,
    resourceVersion,
    keys.map((key) => ({ op: 'remove', path: pointer(key) })),
    `remove ${keys.length} key(s)`,
  );
}

export function addConfigMapKeys(
  kube: Kube,
  configMap: ConfigMap,
  entries: Record<string, string>,
): Promise<ConfigMap> {
  const { namespace = '', name = '', resourceVersion = '' } = configMap.metadata ?? {};
  const ops: object[] = configMap.data === undefined ? [{ op: 'add', path: '/data', value: {} }] : [];
  for (const [key, value] of Object.entries(entries)) ops.push({ op: 'add', path: pointer(key), value });
  return patchData(kube, namespace, name, resourceVersion, ops, `put back ${Object.keys(entries).length} key(s)`);
}

export function readWorkload(
  kube: Kube,
  kind: WorkloadKind,
  namespace: string,
  name: string,
): Promise<Deployment | StatefulSet | undefined> {
  return call(`read ${kind} ${namespace}/${name}`, () => kube.readWorkload(kind, namespace, name));
}

/** Sets (string) or removes (null) pod-template annotations: a strategic-merge patch, field manager carbon-ops. */
export function patchTemplateAnnotations(
  kube: Kube,
  kind: WorkloadKind,
  namespace: string,
  name: string,
  annotations: Record<string, string | null>,
): Promise<unknown> {
  const what = `annotate ${kind} ${namespace}/${name}`;
  return call(what, () => kube.patchTemplateAnnotations(kind, namespace, name, annotations, what));
}

import { ApiException, PatchStrategy, setHeaderOptions, type V1ConfigMap, type V1Deployment, type V1StatefulSet } from '@kubernetes/client-node';
import type { WorkloadKind } from '../catalogue.js';
import { UserError } from '../errors.js';
import { FIELD_MANAGER, type Kube } from '../integrations/kubernetes.js';

/**
 * The ConfigMap and workload calls of the vault jobs. ConfigMaps hold secret values, so no error from
 * here carries a response body or a request body: the Kubernetes client's ApiException includes the
 * body in its message (and a 422 may echo a value back), so every failure is retold with its HTTP status
 * and what was attempted, names only.
 */
export class KubeCallFailed extends UserError {
  constructor(
    readonly what: string,
    readonly status: number | undefined,
  ) {
    super(`The Kubernetes API refused to ${what}${status === undefined ? '' : ` (HTTP ${status}${status === 409 || status === 422 ? ': it changed meanwhile' : status === 403 ? ': carbon-ops lacks the RBAC permission' : ''})`}.`);
  }
}

async function call<T>(kube: Kube, what: string, request: (o: ReturnType<Kube['bounded']>) => Promise<T>): Promise<T> {
  try {
    return await kube.call(what, request);
  } catch (error) {
    if (error instanceof ApiException) throw new KubeCallFailed(what, error.code);
    if (error instanceof UserError) throw error; // ClusterUnavailable: the server and the status code only
    throw new KubeCallFailed(what, undefined);
  }
}

const notFound = (error: unknown) => error instanceof KubeCallFailed && error.status === 404;

export async function readConfigMap(kube: Kube, namespace: string, name: string): Promise<V1ConfigMap | undefined> {
  try {
    return await call(kube, `read configmap ${namespace}/${name}`, (o) => kube.core.readNamespacedConfigMap({ name, namespace }, o));
  } catch (error) {
    if (notFound(error)) return undefined;
    throw error;
  }
}

/** Every ConfigMap (of one namespace, or all), in pages. */
export async function listConfigMaps(kube: Kube, namespace: string | undefined, pageSize = 500): Promise<V1ConfigMap[]> {
  const items: V1ConfigMap[] = [];
  let cont: string | undefined;
  do {
    const page = await call(kube, 'list configmaps', (o) =>
      namespace === undefined
        ? kube.core.listConfigMapForAllNamespaces({ limit: pageSize, _continue: cont }, o)
        : kube.core.listNamespacedConfigMap({ namespace, limit: pageSize, _continue: cont }, o),
    );
    items.push(...page.items);
    cont = page.metadata?._continue || undefined;
  } while (cont !== undefined);
  return items;
}

export async function listWorkloads(kube: Kube, namespace: string): Promise<{ deployments: V1Deployment[]; statefulSets: V1StatefulSet[] }> {
  try {
    const [deployments, statefulSets] = await Promise.all([kube.listDeployments({ namespace }), kube.listStatefulSets({ namespace })]);
    return { deployments, statefulSets };
  } catch (error) {
    if (error instanceof ApiException) throw new KubeCallFailed(`list workloads in ${namespace}`, error.code);
    throw error;
  }
}

const pointer = (key: string) => `/data/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/**
 * A JSON patch of the ConfigMap's data that applies only to the version read (`test` of
 * metadata.resourceVersion): a concurrent edit makes it fail with 422 instead of being overwritten.
 */
async function patchData(kube: Kube, namespace: string, name: string, resourceVersion: string, ops: object[], what: string): Promise<V1ConfigMap> {
  const body = [{ op: 'test', path: '/metadata/resourceVersion', value: resourceVersion }, ...ops];
  return call(kube, `${what} in configmap ${namespace}/${name}`, (o) =>
    kube.core.patchNamespacedConfigMap({ name, namespace, body, fieldManager: FIELD_MANAGER }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch, o)),
  );
}

export function removeConfigMapKeys(kube: Kube, configMap: V1ConfigMap, keys: readonly string[]): Promise<V1ConfigMap> {
  const { namespace = '', name = '', resourceVersion = '' } = configMap.metadata ?? {};
  return patchData(kube, namespace, name, resourceVersion, keys.map((key) => ({ op: 'remove', path: pointer(key) })), `remove ${keys.length} key(s)`);
}

export function addConfigMapKeys(kube: Kube, configMap: V1ConfigMap, entries: Record<string, string>): Promise<V1ConfigMap> {
  const { namespace = '', name = '', resourceVersion = '' } = configMap.metadata ?? {};
  const ops: object[] = configMap.data === undefined ? [{ op: 'add', path: '/data', value: {} }] : [];
  for (const [key, value] of Object.entries(entries)) ops.push({ op: 'add', path: pointer(key), value });
  return patchData(kube, namespace, name, resourceVersion, ops, `put back ${Object.keys(entries).length} key(s)`);
}

export async function readWorkload(kube: Kube, kind: WorkloadKind, namespace: string, name: string): Promise<V1Deployment | V1StatefulSet | undefined> {
  try {
    return await call(kube, `read ${kind} ${namespace}/${name}`, (o) =>
      kind === 'deployment' ? kube.apps.readNamespacedDeployment({ name, namespace }, o) : kube.apps.readNamespacedStatefulSet({ name, namespace }, o),
    );
  } catch (error) {
    if (notFound(error)) return undefined;
    throw error;
  }
}

/** Sets (string) or removes (null) pod-template annotations: a strategic-merge patch, field manager carbon-ops. */
export function patchTemplateAnnotations(kube: Kube, kind: WorkloadKind, namespace: string, name: string, annotations: Record<string, string | null>): Promise<unknown> {
  const body = { spec: { template: { metadata: { annotations } } } };
  const params = { name, namespace, body, fieldManager: FIELD_MANAGER };
  return call(kube, `annotate ${kind} ${namespace}/${name}`, (o) => {
    const options = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch, o);
    return kind === 'deployment' ? kube.apps.patchNamespacedDeployment(params, options) : kube.apps.patchNamespacedStatefulSet(params, options);
  });
}

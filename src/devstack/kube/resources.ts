// The resources the stand-in serves: one table drives routing, discovery, storage keys and kubectl's
// short names, so a resource added here is reachable everywhere at once.

export interface ResourceInfo {
  /** Plural name; unique across the groups we serve, so it doubles as the storage key. */
  plural: string;
  singular: string;
  kind: string;
  group: string;
  version: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Subresources served besides the object itself. */
  subresources: ('status' | 'scale' | 'eviction')[];
  /** Field selectors the real API server accepts beyond metadata.name and metadata.namespace. */
  fields: string[];
  /** Served from a CustomResourceDefinition (cert-manager): lists are atomic for server-side apply, and
   * kubectl prints the CRD's additionalPrinterColumns. */
  crd: boolean;
}

const POD_FIELDS = [
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.schedulerName',
  'spec.serviceAccountName',
  'spec.hostNetwork',
  'status.phase',
  'status.podIP',
  'status.nominatedNodeName',
];
const EVENT_FIELDS = [
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
];

function resource(
  plural: string,
  kind: string,
  group: string,
  namespaced: boolean,
  rest: Partial<Pick<ResourceInfo, 'version' | 'shortNames' | 'categories' | 'subresources' | 'fields' | 'crd'>> = {},
): ResourceInfo {
  const version = rest.version ?? 'v1';
  return {
    plural,
    singular: kind.toLowerCase(),
    kind,
    group,
    version,
    namespaced,
    shortNames: rest.shortNames ?? [],
    categories: rest.categories ?? [],
    subresources: rest.subresources ?? [],
    fields: rest.fields ?? [],
    crd: rest.crd ?? false,
  };
}

export const RESOURCES: readonly ResourceInfo[] = [
  resource('namespaces', 'Namespace', '', false, {
    shortNames: ['ns'],
    subresources: ['status'],
    fields: ['status.phase'],
  }),
  resource('nodes', 'Node', '', false, {
    shortNames: ['no'],
    subresources: ['status'],
    fields: ['spec.unschedulable'],
  }),
  resource('pods', 'Pod', '', true, {
    shortNames: ['po'],
    categories: ['all'],
    subresources: ['status', 'eviction'],
    fields: POD_FIELDS,
  }),
  resource('services', 'Service', '', true, { shortNames: ['svc'], categories: ['all'], subresources: ['status'] }),
  resource('configmaps', 'ConfigMap', '', true, { shortNames: ['cm'] }),
  resource('secrets', 'Secret', '', true, { fields: ['type'] }),
  resource('serviceaccounts', 'ServiceAccount', '', true, { shortNames: ['sa'] }),
  resource('resourcequotas', 'ResourceQuota', '', true, { shortNames: ['quota'], subresources: ['status'] }),
  resource('limitranges', 'LimitRange', '', true, { shortNames: ['limits'] }),
  resource('events', 'Event', '', true, { shortNames: ['ev'], fields: EVENT_FIELDS }),
  resource('endpoints', 'Endpoints', '', true, { shortNames: ['ep'] }),
  resource('persistentvolumeclaims', 'PersistentVolumeClaim', '', true, {
    shortNames: ['pvc'],
    subresources: ['status'],
  }),
  resource('deployments', 'Deployment', 'apps', true, {
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  }),
  resource('statefulsets', 'StatefulSet', 'apps', true, {
    shortNames: ['sts'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  }),
  resource('daemonsets', 'DaemonSet', 'apps', true, {
    shortNames: ['ds'],
    categories: ['all'],
    subresources: ['status'],
  }),
  resource('replicasets', 'ReplicaSet', 'apps', true, {
    shortNames: ['rs'],
    categories: ['all'],
    subresources: ['status', 'scale'],
    fields: ['status.replicas'],
  }),
  resource('controllerrevisions', 'ControllerRevision', 'apps', true),
  resource('jobs', 'Job', 'batch', true, {
    categories: ['all'],
    subresources: ['status'],
    fields: ['status.successful'],
  }),
  resource('cronjobs', 'CronJob', 'batch', true, { shortNames: ['cj'], categories: ['all'], subresources: ['status'] }),
  resource('poddisruptionbudgets', 'PodDisruptionBudget', 'policy', true, {
    shortNames: ['pdb'],
    subresources: ['status'],
  }),
  resource('networkpolicies', 'NetworkPolicy', 'networking.k8s.io', true, { shortNames: ['netpol'] }),
  resource('ingresses', 'Ingress', 'networking.k8s.io', true, { shortNames: ['ing'], subresources: ['status'] }),
  resource('endpointslices', 'EndpointSlice', 'discovery.k8s.io', true),
  resource('horizontalpodautoscalers', 'HorizontalPodAutoscaler', 'autoscaling', true, {
    version: 'v2',
    shortNames: ['hpa'],
    categories: ['all'],
    subresources: ['status'],
  }),
  resource('customresourcedefinitions', 'CustomResourceDefinition', 'apiextensions.k8s.io', false, {
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    subresources: ['status'],
  }),
  resource('roles', 'Role', 'rbac.authorization.k8s.io', true),
  resource('rolebindings', 'RoleBinding', 'rbac.authorization.k8s.io', true),
  resource('clusterroles', 'ClusterRole', 'rbac.authorization.k8s.io', false),
  resource('clusterrolebindings', 'ClusterRoleBinding', 'rbac.authorization.k8s.io', false),
  // cert-manager's CRDs, as its Helm chart installs them.
  resource('certificates', 'Certificate', 'cert-manager.io', true, {
    shortNames: ['cert', 'certs'],
    categories: ['cert-manager'],
    subresources: ['status'],
    crd: true,
  }),
  resource('issuers', 'Issuer', 'cert-manager.io', true, {
    categories: ['cert-manager'],
    subresources: ['status'],
    crd: true,
  }),
  resource('clusterissuers', 'ClusterIssuer', 'cert-manager.io', false, {
    categories: ['cert-manager'],
    subresources: ['status'],
    crd: true,
  }),
];

export const GROUPS: readonly string[] = [...new Set(RESOURCES.map((r) => r.group).filter((g) => g !== ''))];

/** The one version each group is served at (v1 but autoscaling/v2). */
export function versionOf(group: string): string {
  return RESOURCES.find((r) => r.group === group)?.version ?? 'v1';
}

const byPlural = new Map(RESOURCES.map((r) => [r.plural, r]));
const byKind = new Map(RESOURCES.map((r) => [r.kind, r]));

export function apiVersionOf(info: ResourceInfo): string {
  return info.group === '' ? info.version : `${info.group}/${info.version}`;
}

/** The resource a URL names, or undefined when this group/version does not serve it. */
export function findResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  const info = byPlural.get(plural);
  return info && info.group === group && info.version === version ? info : undefined;
}

export function resourceOf(plural: string): ResourceInfo {
  const info = byPlural.get(plural);
  if (!info) throw new Error(`unknown resource ${plural}`);
  return info;
}

export function resourceForKind(kind: string): ResourceInfo | undefined {
  return byKind.get(kind);
}

/** How error messages name a resource: "pods", "deployments.apps". */
export function qualifiedName(info: ResourceInfo): string {
  return info.group === '' ? info.plural : `${info.plural}.${info.group}`;
}

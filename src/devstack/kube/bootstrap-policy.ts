// The default ClusterRoles and ClusterRoleBindings a real API server creates at start
// (plugin/pkg/auth/authorizer/rbac/bootstrappolicy), those that matter here.
// admin, edit and view are aggregated ClusterRoles on a real cluster (their rules are gathered from the
// roles labelled aggregate-to-*, cert-manager's included); the stand-in has no aggregation controller, so
// they carry the gathered rules for the resources it serves, flattened.
import type { PolicyRule } from './rbac.js';
import type { KubeObject } from './types.js';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const RBAC_GROUP = 'rbac.authorization.k8s.io';

const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({
  apiGroups,
  resources,
  verbs,
});
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ nonResourceURLs, verbs });

/** What view reads (no Secrets) and edit writes, by API group. */
const NAMESPACED: [string, string[]][] = [
  [
    '',
    [
      'configmaps',
      'endpoints',
      'persistentvolumeclaims',
      'pods',
      'replicationcontrollers',
      'replicationcontrollers/scale',
      'serviceaccounts',
      'services',
    ],
  ],
  [
    'apps',
    [
      'daemonsets',
      'deployments',
      'deployments/scale',
      'replicasets',
      'replicasets/scale',
      'statefulsets',
      'statefulsets/scale',
    ],
  ],
  ['autoscaling', ['horizontalpodautoscalers']],
  ['batch', ['cronjobs', 'jobs']],
  ['policy', ['poddisruptionbudgets']],
  ['networking.k8s.io', ['ingresses', 'networkpolicies']],
  ['cert-manager.io', ['certificates', 'certificaterequests', 'issuers']],
];
const VIEW_ONLY: [string, string[]][] = [
  [
    '',
    [
      'bindings',
      'events',
      'limitranges',
      'namespaces',
      'namespaces/status',
      'persistentvolumeclaims/status',
      'pods/log',
      'pods/status',
      'replicationcontrollers/status',
      'resourcequotas',
      'resourcequotas/status',
      'services/status',
    ],
  ],
  [
    'apps',
    ['controllerrevisions', 'daemonsets/status', 'deployments/status', 'replicasets/status', 'statefulsets/status'],
  ],
  ['autoscaling', ['horizontalpodautoscalers/status']],
  ['batch', ['cronjobs/status', 'jobs/status']],
  ['policy', ['poddisruptionbudgets/status']],
  ['networking.k8s.io', ['ingresses/status']],
  ['discovery.k8s.io', ['endpointslices']],
];

const VIEW_RULES = [...NAMESPACED, ...VIEW_ONLY].map(([group, resources]) => rule(READ, [group], resources));
const EDIT_RULES = [
  ...VIEW_RULES,
  ...NAMESPACED.map(([group, resources]) => rule(WRITE, [group], resources)),
  rule([...READ, ...WRITE], [''], ['secrets']),
  rule(
    ['get', 'list', 'watch', 'create', 'delete', 'deletecollection', 'patch', 'update'],
    [''],
    ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'services/proxy'],
  ),
  rule(['create'], [''], ['pods/eviction', 'serviceaccounts/token']),
  rule(['impersonate'], [''], ['serviceaccounts']),
  rule(['create', 'delete', 'deletecollection', 'patch', 'update'], ['coordination.k8s.io'], ['leases']),
  rule(READ, ['coordination.k8s.io'], ['leases']),
];
const ADMIN_RULES = [
  ...EDIT_RULES,
  rule([...READ, ...WRITE], [RBAC_GROUP], ['rolebindings', 'roles']),
  rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
];

const DEFAULTS_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const AUTOUPDATE = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };

/** Identity and timestamps are filled in when the objects are loaded. */
const meta = (name: string, labels: Record<string, string>): KubeObject['metadata'] => ({
  name,
  uid: '',
  resourceVersion: '',
  creationTimestamp: '',
  labels,
  annotations: AUTOUPDATE,
});

function clusterRole(name: string, rules: PolicyRule[], labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: meta(name, { ...DEFAULTS_LABELS, ...labels }),
    rules,
  };
}

function binding(name: string, role: string, groups: string[]): KubeObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: meta(name, DEFAULTS_LABELS),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
    subjects: groups.map((group) => ({ apiGroup: RBAC_GROUP, kind: 'Group', name: group })),
  };
}

const HEALTH_URLS = ['/healthz', '/livez', '/readyz', '/version', '/version/'];

export function bootstrapPolicy(): KubeObject[] {
  return [
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
    clusterRole('admin', ADMIN_RULES),
    clusterRole('edit', EDIT_RULES, { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' }),
    clusterRole('view', VIEW_RULES, { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' }),
    clusterRole('system:discovery', [
      urls(
        ['get'],
        [
          '/api',
          '/api/*',
          '/apis',
          '/apis/*',
          '/healthz',
          '/livez',
          '/openapi',
          '/openapi/*',
          '/readyz',
          '/version',
          '/version/',
        ],
      ),
    ]),
    clusterRole('system:basic-user', [
      rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    ]),
    clusterRole('system:public-info-viewer', [urls(['get'], HEALTH_URLS)]),
    // Bound by phase 2's Vault manifests (Vault's Kubernetes auth method reviews tokens with it).
    clusterRole('system:auth-delegator', [
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    ]),
    binding('cluster-admin', 'cluster-admin', ['system:masters']),
    binding('system:discovery', 'system:discovery', ['system:authenticated']),
    binding('system:basic-user', 'system:basic-user', ['system:authenticated']),
    binding('system:public-info-viewer', 'system:public-info-viewer', [
      'system:authenticated',
      'system:unauthenticated',
    ]),
  ];
}

/** The paths a caller without credentials may reach (system:public-info-viewer's); anything else is 401. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(HEALTH_URLS);

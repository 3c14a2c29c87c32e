// API discovery, both forms kubectl knows: the legacy documents (/api, /apis, /apis/<group>,
// /api/v1, /apis/<group>/<version>) and the aggregated APIGroupDiscoveryList that kubectl ≥ 1.26 asks for
// first, which saves it one request per group version.
import { connectSubresources } from './connect.js';
import type { ResourceInfo } from './resources.js';
import { GROUPS, RESOURCES, versionOf } from './resources.js';
import { REVIEW_GROUPS, REVIEW_RESOURCES } from './reviews.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
/** The stored resources and the create-only access reviews. */
const SERVED: readonly ResourceInfo[] = [...RESOURCES, ...REVIEW_RESOURCES];
const SERVED_GROUPS: readonly string[] = [...GROUPS, ...REVIEW_GROUPS];
const verbsOf = (info: ResourceInfo): string[] => (REVIEW_RESOURCES.includes(info) ? ['create'] : VERBS);
const SUBRESOURCE_VERBS = ['get', 'patch', 'update'];

const groupVersion = (group: string): { groupVersion: string; version: string } => ({
  groupVersion: `${group}/${versionOf(group)}`,
  version: versionOf(group),
});

type Subresource = ResourceInfo['subresources'][number];

function subresourceKind(info: ResourceInfo, sub: Subresource): { group: string; version: string; kind: string } {
  if (sub === 'scale') return { group: 'autoscaling', version: 'v1', kind: 'Scale' };
  // kubectl drain looks for pods/eviction with a group and version before it evicts rather than deletes.
  if (sub === 'eviction') return { group: 'policy', version: 'v1', kind: 'Eviction' };
  return { group: info.group, version: info.version, kind: info.kind };
}

const subresourceVerbs = (sub: Subresource): string[] => (sub === 'eviction' ? ['create'] : SUBRESOURCE_VERBS);
/** The kind a connect subresource is registered with: its options kind (PodExecOptions,
 * ServiceProxyOptions), but Pod for pods/log. */
function connectKind(r: ResourceInfo, sub: string): string {
  const names: Record<string, string> = { exec: 'Exec', attach: 'Attach', portforward: 'PortForward', proxy: 'Proxy' };
  return names[sub] ? `${r.kind}${names[sub]}Options` : r.kind;
}

export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroup(group: string): object {
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: group,
    versions: [groupVersion(group)],
    preferredVersion: groupVersion(group),
  };
}

export function apiGroupList(): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: SERVED_GROUPS.map((name) => ({
      name,
      versions: [groupVersion(name)],
      preferredVersion: groupVersion(name),
    })),
  };
}

export function apiResourceList(group: string, version: string): object {
  const resources = SERVED.filter((r) => r.group === group && r.version === version).flatMap((r) => [
    {
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: verbsOf(r),
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
    },
    ...r.subresources.map((sub) => {
      const kind = subresourceKind(r, sub);
      return {
        name: `${r.plural}/${sub}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(sub === 'scale' || sub === 'eviction' ? { group: kind.group, version: kind.version } : {}),
        kind: kind.kind,
        verbs: subresourceVerbs(sub),
      };
    }),
    ...connectSubresources(r.plural).map((sub) => ({
      name: `${r.plural}/${sub.name}`,
      singularName: '',
      namespaced: r.namespaced,
      kind: connectKind(r, sub.name),
      verbs: sub.verbs,
    })),
  ]);
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}

/** The aggregated document for /api (core) or /apis (named groups). */
export function aggregatedDiscovery(core: boolean, apiVersion: string): object {
  const groups = core ? [''] : [...SERVED_GROUPS];
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion,
    metadata: {},
    items: groups.map((group) => ({
      metadata: group ? { name: group, creationTimestamp: null } : { creationTimestamp: null },
      versions: [
        {
          version: versionOf(group),
          resources: SERVED.filter((r) => r.group === group).map((r) => ({
            resource: r.plural,
            responseKind: { group: r.group, version: r.version, kind: r.kind },
            scope: r.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: r.singular,
            verbs: verbsOf(r),
            ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
            ...(r.categories.length ? { categories: r.categories } : {}),
            ...(r.subresources.length || connectSubresources(r.plural).length
              ? {
                  subresources: [
                    ...r.subresources.map((sub) => ({
                      subresource: sub,
                      responseKind: subresourceKind(r, sub),
                      verbs: subresourceVerbs(sub),
                    })),
                    ...connectSubresources(r.plural).map((sub) => ({
                      subresource: sub.name,
                      responseKind: { group: '', version: '', kind: connectKind(r, sub.name) },
                      verbs: sub.verbs,
                    })),
                  ],
                }
              : {}),
          })),
          freshness: 'Current',
        },
      ],
    })),
  };
}

// API discovery, both forms kubectl knows: the legacy documents (/api, /apis, /apis/<group>,
// /api/v1, /apis/<group>/<version>) and the aggregated APIGroupDiscoveryList that kubectl ≥ 1.26 asks for
// first, which saves it one request per group version.
import type { ResourceInfo } from './resources.js';
import { GROUPS, RESOURCES } from './resources.js';
import { REVIEW_GROUPS, REVIEW_RESOURCES } from './reviews.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
/** The stored resources and the create-only access reviews. */
const SERVED: readonly ResourceInfo[] = [...RESOURCES, ...REVIEW_RESOURCES];
const SERVED_GROUPS: readonly string[] = [...GROUPS, ...REVIEW_GROUPS];
const verbsOf = (info: ResourceInfo): string[] => (REVIEW_RESOURCES.includes(info) ? ['create'] : VERBS);
const SUBRESOURCE_VERBS = ['get', 'patch', 'update'];

const groupVersion = (group: string): { groupVersion: string; version: string } => ({ groupVersion: `${group}/v1`, version: 'v1' });

function subresourceKind(info: ResourceInfo, sub: 'status' | 'scale'): { group: string; version: string; kind: string } {
  return sub === 'scale' ? { group: 'autoscaling', version: 'v1', kind: 'Scale' } : { group: info.group, version: info.version, kind: info.kind };
}

export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroup(group: string): object {
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: [groupVersion(group)], preferredVersion: groupVersion(group) };
}

export function apiGroupList(): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: SERVED_GROUPS.map((name) => ({ name, versions: [groupVersion(name)], preferredVersion: groupVersion(name) })),
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
        ...(sub === 'scale' ? { group: kind.group, version: kind.version } : {}),
        kind: kind.kind,
        verbs: SUBRESOURCE_VERBS,
      };
    }),
  ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
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
          version: 'v1',
          resources: SERVED.filter((r) => r.group === group).map((r) => ({
            resource: r.plural,
            responseKind: { group: r.group, version: r.version, kind: r.kind },
            scope: r.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: r.singular,
            verbs: verbsOf(r),
            ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
            ...(r.categories.length ? { categories: r.categories } : {}),
            ...(r.subresources.length
              ? { subresources: r.subresources.map((sub) => ({ subresource: sub, responseKind: subresourceKind(r, sub), verbs: SUBRESOURCE_VERBS })) }
              : {}),
          })),
          freshness: 'Current',
        },
      ],
    })),
  };
}

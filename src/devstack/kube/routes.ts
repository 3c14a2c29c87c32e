// URL → what is asked for. Kubernetes paths: /api/v1/<resource>[/<name>[/<sub>]],
// /api/v1/namespaces/<ns>/<resource>[/<name>[/<sub>]], and the same under /apis/<group>/<version>.
import type { ResourceInfo } from './resources.js';
import { findResource, GROUPS, versionOf } from './resources.js';
import { isConnectSubresource } from './connect.js';
import { findReview, REVIEW_GROUPS } from './reviews.js';
import { resourceNotFound } from './status.js';

export type Route =
  | { kind: 'health' }
  | { kind: 'version' }
  | { kind: 'core-versions' }
  | { kind: 'groups' }
  | { kind: 'group'; group: string }
  | { kind: 'group-version'; group: string; version: string }
  | { kind: 'resource'; info: ResourceInfo; namespace?: string; name?: string; subresource?: string }
  | { kind: 'review'; info: ResourceInfo; namespace?: string };

/** undefined: not an API path at all (the real server's plain "404 page not found"). */
export function route(path: string): Route | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 1 && ['healthz', 'livez', 'readyz'].includes(parts[0] as string)) return { kind: 'health' };
  if (path === '/version' || path === '/version/') return { kind: 'version' };
  let group: string;
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length === 1) return { kind: 'core-versions' };
    if (parts[1] !== 'v1') return undefined;
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length === 1) return { kind: 'groups' };
    if (!GROUPS.includes(parts[1] as string) && !REVIEW_GROUPS.includes(parts[1] as string)) return undefined;
    if (parts.length === 2) return { kind: 'group', group: parts[1] as string };
    group = parts[1] as string;
    if (parts[2] !== versionOf(group)) return undefined;
    rest = parts.slice(3);
  } else return undefined;
  const version = versionOf(group);
  if (rest.length === 0) return { kind: 'group-version', group, version };
  if (REVIEW_GROUPS.includes(group)) return reviewRoute(group, rest);

  // namespaces/<ns>/<resource>/... unless <resource> is a subresource of the namespace itself
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const info = findResource(group, version, rest[2] as string);
    if (info?.namespaced) {
      // services/<name>/proxy/<path...>: the proxied path is the proxy's business
      if (rest.length > 5 && !(rest[4] === 'proxy' && isConnectSubresource(info.plural, 'proxy')))
        throw resourceNotFound();
      return {
        kind: 'resource',
        info,
        namespace: rest[1],
        ...(rest[3] ? { name: rest[3] } : {}),
        ...(rest[4] ? { subresource: rest[4] } : {}),
      };
    }
  }
  const info = findResource(group, version, rest[0] as string);
  if (!info || rest.length > 3 || (info.namespaced && rest.length > 1)) throw resourceNotFound();
  return {
    kind: 'resource',
    info,
    ...(rest[1] ? { name: rest[1] } : {}),
    ...(rest[2] ? { subresource: rest[2] } : {}),
  };
}

/** The access reviews: /apis/<group>/v1/<reviews>, or namespaces/<ns>/localsubjectaccessreviews. */
function reviewRoute(group: string, rest: string[]): Route {
  const namespaced = rest[0] === 'namespaces' && rest.length === 3;
  const info = findReview(group, 'v1', (namespaced ? rest[2] : rest[0]) as string);
  if (!info || info.namespaced !== namespaced || (!namespaced && rest.length !== 1)) throw resourceNotFound();
  return { kind: 'review', info, ...(namespaced ? { namespace: rest[1] } : {}) };
}

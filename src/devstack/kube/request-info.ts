// What a request asks to do, in the authorizer's terms, derived from the URL alone as the real server's
// RequestInfoFactory derives it (before routing, so a path nobody serves is still authorized first):
// /api/v1/... and /apis/<group>/<version>/... are resource requests, anything else a non-resource one.
import type { UserInfo } from './authn.js';

export interface Attributes {
  user: UserInfo;
  /** get list watch create update patch delete deletecollection, impersonate, bind, escalate, …; for
   * non-resource requests the lower-case HTTP method. */
  verb: string;
  resourceRequest: boolean;
  path: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
const METHOD_VERBS: Record<string, string> = {
  POST: 'create',
  GET: 'get',
  HEAD: 'get',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** A boolean query parameter (watch, force, …) as the real parameter codec reads it
 * (runtime.Convert_Slice_string_To_bool): absent, `0` or any case of `false` is false, anything else
 * (`True`, `yes`, even empty) is true. Authorization and serving read it alike, so a `watch` grant never
 * yields a list. */
export const isTrue = (value: string | null): boolean =>
  value !== null && value !== '0' && value.toLowerCase() !== 'false';

/** metadata.name=X (or ==X) in a field selector: a list or watch of one object is authorized with its name. */
function nameFromFieldSelector(selector: string | null): string {
  for (const term of (selector ?? '').split(',')) {
    const match = /^\s*metadata\.name\s*==?\s*([^,\s]+)\s*$/.exec(term);
    if (match) return match[1] as string;
  }
  return '';
}

export function requestAttributes(user: UserInfo, method: string, url: URL): Attributes {
  const path = url.pathname;
  const base: Attributes = {
    user,
    verb: method.toLowerCase(),
    resourceRequest: false,
    path,
    apiGroup: '',
    resource: '',
    subresource: '',
    namespace: '',
    name: '',
  };
  let parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length < 3 || (parts[0] !== 'api' && parts[0] !== 'apis')) return base;
  let apiGroup = '';
  if (parts[0] === 'apis') {
    if (parts.length < 4) return base;
    apiGroup = parts[1] as string;
    parts = parts.slice(3);
  } else parts = parts.slice(2);

  let verb = METHOD_VERBS[method] ?? '';
  if (parts[0] === 'watch' && parts.length >= 2) {
    verb = 'watch';
    parts = parts.slice(1);
  }
  let namespace = '';
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1] as string;
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2] as string)) parts = parts.slice(2);
  }
  const attrs: Attributes = {
    ...base,
    verb,
    resourceRequest: true,
    apiGroup,
    namespace,
    resource: parts[0] ?? '',
    name: parts[1] ?? '',
    subresource: parts[2] ?? '',
  };
  if (attrs.name === '' && attrs.verb === 'get') {
    attrs.verb = isTrue(url.searchParams.get('watch')) ? 'watch' : 'list';
    attrs.name = nameFromFieldSelector(url.searchParams.get('fieldSelector'));
  }
  if (attrs.name === '' && attrs.verb === 'delete') attrs.verb = 'deletecollection';
  return attrs;
}

// Impersonation (`kubectl --as`, `--as-group`): the Impersonate-User / Impersonate-Group headers switch
// the request's user, but only after the caller is authorized to `impersonate` each user, ServiceAccount
// and group named, exactly as the real impersonation filter checks them; the refusal is its 403.
// Impersonate-Uid and Impersonate-Extra-* are not modelled (refused as unsupported).
import type { IncomingHttpHeaders } from 'node:http';
import type { UserInfo } from './authn.js';
import { AUTHENTICATED, parseServiceAccountUsername, serviceAccountGroups, UNAUTHENTICATED } from './authn.js';
import { authorize, forbidden } from './rbac.js';
import type { Attributes } from './request-info.js';
import { ApiError } from './status.js';
import type { Store } from './store.js';

function values(headers: IncomingHttpHeaders, name: string): string[] {
  const raw = headers[name];
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

function check(
  store: Store,
  requestor: UserInfo,
  resource: 'users' | 'groups' | 'serviceaccounts',
  name: string,
  namespace = '',
): void {
  const attrs: Attributes = {
    user: requestor,
    verb: 'impersonate',
    resourceRequest: true,
    path: '',
    apiGroup: '',
    resource,
    subresource: '',
    namespace,
    name,
  };
  if (!authorize(store, attrs).allowed) throw forbidden(attrs);
}

/** The user the request acts as: the requestor, or whom it impersonates once each step is allowed. */
export function impersonate(store: Store, requestor: UserInfo, headers: IncomingHttpHeaders): UserInfo {
  const [username, ...more] = values(headers, 'impersonate-user');
  const groups = values(headers, 'impersonate-group');
  const unsupported = Object.keys(headers).find((h) => h === 'impersonate-uid' || h.startsWith('impersonate-extra-'));
  if (username === undefined) {
    if (groups.length > 0 || unsupported)
      throw new ApiError(
        500,
        'InternalError',
        `Internal error occurred: requested ${JSON.stringify(groups)} without impersonating a user`,
      );
    return requestor;
  }
  if (more.length > 0) throw new ApiError(400, 'BadRequest', 'only one Impersonate-User header may be given');
  if (unsupported) throw new ApiError(400, 'BadRequest', `${unsupported} is not supported by the stand-in`);
  const account = parseServiceAccountUsername(username);
  if (account) check(store, requestor, 'serviceaccounts', account.name, account.namespace);
  else check(store, requestor, 'users', username);
  for (const group of groups) check(store, requestor, 'groups', group);
  const impersonated = groups.length === 0 && account ? serviceAccountGroups(account.namespace).slice(0, 2) : groups;
  if (username === 'system:anonymous') return { username, groups: impersonated };
  const addAuthenticated = !impersonated.some((g) => g === AUTHENTICATED || g === UNAUTHENTICATED);
  return { username, groups: addAuthenticated ? [...impersonated, AUTHENTICATED] : impersonated };
}
